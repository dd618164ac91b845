// Messages between the runner and a server process over the child_process IPC channel. Stats travel
// over IPC rather than an HTTP route so that nothing but the measured routes is served.

export const VARIANTS = ['bare', 'span-only', 'plugin-off', 'plugin-full', 'fastify-otel'] as const
export type Variant = typeof VARIANTS[number]

/**
 * `global`: the shared counting pipeline, installed as the global provider (the plugin must use it).
 * `unreachable`: no global provider; the plugin builds its own OTLP/gRPC pipeline, aimed at a port
 * nothing listens on.
 */
export const PIPELINES = ['global', 'unreachable'] as const
export type Pipeline = typeof PIPELINES[number]

/** An address where no collector listens: exports fail fast and the plugin must drop, not hoard. */
export const UNREACHABLE_COLLECTOR = 'http://127.0.0.1:1'

export type RunnerMessage = { type: 'stats' } | { type: 'stop' }

export interface ServerStats {
  rssBytes: number
  heapUsedBytes: number
  /** Spans the counting exporter has serialized, after a flush; null without the global pipeline. */
  spansExported: number | null
}

export type ServerMessage =
  | { type: 'ready', port: number }
  | { type: 'failed', message: string }
  | ({ type: 'stats' } & ServerStats)
