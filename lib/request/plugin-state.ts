import type { FastifyBaseLogger } from 'fastify'
import type { ResolvedOptions } from '../options/resolve-options'
import type { SpanSettings, SpanSink } from '../span/apitoolkit-span'

/** What every request of one registered plugin shares. */
export interface PluginState {
  options: ResolvedOptions
  sink: SpanSink
  settings: SpanSettings
  log: FastifyBaseLogger
  /**
   * Whether the span's context is made active while the request is served: only when something can read
   * it (a global TracerProvider's instrumentations, or the outgoing monitor).
   */
  activateContext: boolean
  /** Whether another instrumentation may already have made a span active for the request. */
  joinActiveSpan: boolean
  /** Reports a failure of the plugin's own code without letting it reach the app. */
  fail (error: unknown, where: string): void
  /** Logs what the plugin does when the `debug` option is on. */
  debug (obj: object, msg: string): void
}

// One line per distinct failure is enough to diagnose it; repeating it per request would flood the log.
const MAX_DISTINCT_FAILURES = 100

export function createPluginState (
  options: ResolvedOptions, sink: SpanSink, log: FastifyBaseLogger, hasGlobalProvider: boolean
): PluginState {
  const reported = new Set<string>()
  return {
    options,
    sink,
    log,
    settings: options.policy.settings,
    activateContext: hasGlobalProvider || options.monitorOutgoing,
    joinActiveSpan: hasGlobalProvider,
    fail (error, where) {
      const key = `${where}: ${error instanceof Error ? error.message : String(error)}`
      if (reported.has(key) || reported.size >= MAX_DISTINCT_FAILURES) return
      reported.add(key)
      log.error({ err: error }, `apitoolkit-fastify: ${where} failed; the request is served unchanged`)
    },
    debug (obj, msg) {
      if (options.debug) log.info(obj, `apitoolkit-fastify: ${msg}`)
    }
  }
}
