// Messages between the runner and its child processes (benchmark servers and the sink) over the
// child_process IPC channel. Stats travel over IPC rather than an HTTP route so that nothing but the
// measured routes is served.

/**
 * `bare`: Fastify alone. `plugin-full`: the plugin with full capture, exporting on its own.
 * `fastify-otel`: @fastify/otel on a global OpenTelemetry pipeline. `http-instr`: that pipeline with
 * @opentelemetry/instrumentation-http. `http-instr-plugin`: the same plus the plugin.
 */
export const VARIANTS = ['bare', 'plugin-full', 'fastify-otel', 'http-instr', 'http-instr-plugin'] as const

/**
 * What one option costs on top of plugin-full, counted by `npm run bench:instructions`:
 * `plugin-no-secrets` with `redactSecrets: false`; `plugin-unsampled` with `sampleRate: 0` (every request
 * ordinary, none exported: the cost of a request sampling leaves out); `plugin-logger` with Fastify's
 * logger on at info level (two lines a request, to a stream that drops them) and
 * `plugin-logger-correlated` the same with `correlateLogs: true`. `hooks-only`: no plugin, but the three
 * hooks it runs on every request (onRequest, preValidation, onSend) doing nothing: what Fastify spends running
 * them, the floor of any plugin built on hooks.
 */
export const OPTION_VARIANTS = ['plugin-no-secrets', 'plugin-unsampled', 'plugin-logger', 'plugin-logger-correlated', 'hooks-only'] as const
export type Variant = typeof VARIANTS[number] | typeof OPTION_VARIANTS[number]

/** An address where no collector listens: exports fail fast and the plugin must drop, not hoard. */
export const UNREACHABLE_COLLECTOR = 'http://127.0.0.1:1'

export type RunnerMessage = { type: 'stats' } | { type: 'stop' }

export interface FailedMessage { type: 'failed', message: string }

export interface ServerStats {
  rssBytes: number
  heapUsedBytes: number
}

export type ServerMessage =
  | { type: 'ready', port: number }
  | FailedMessage
  | ({ type: 'stats' } & ServerStats)

/** What one sink listener has received since it started. */
export interface SinkStats {
  /** Export calls answered. */
  calls: number
  /** Bytes of the ExportTraceServiceRequest messages, as gRPC delivered them (not decoded). */
  bytes: number
}

export type SinkMessage =
  | { type: 'ready', ports: number[] }
  | FailedMessage
  | { type: 'stats', listeners: SinkStats[] }
