import type { FastifyBaseLogger } from 'fastify'
import type { ResolvedOptions } from '../options/resolve-options'
import type { Pipeline } from '../export/pipeline'
import type { SpanSettings } from '../span/attributes'

/** What every request of one registered plugin shares. */
export interface Instrumentation {
  options: ResolvedOptions
  pipeline: Pipeline
  settings: SpanSettings
  log: FastifyBaseLogger
  /** Reports a failure of the plugin's own code without letting it reach the app. */
  fail (error: unknown, where: string): void
  /** Logs what the plugin does when the `debug` option is on. */
  trace (obj: object, msg: string): void
}

// One line per distinct failure is enough to diagnose it; repeating it per request would flood the log.
const MAX_DISTINCT_FAILURES = 100

export function createInstrumentation (options: ResolvedOptions, pipeline: Pipeline, log: FastifyBaseLogger): Instrumentation {
  const reported = new Set<string>()
  return {
    options,
    pipeline,
    log,
    settings: {
      serviceVersion: options.serviceVersion,
      tags: options.tags,
      redactHeaders: options.redactHeaders,
      attributeLimit: pipeline.attributeLimit
    },
    fail (error, where) {
      const key = `${where}: ${error instanceof Error ? error.message : String(error)}`
      if (reported.has(key) || reported.size >= MAX_DISTINCT_FAILURES) return
      reported.add(key)
      log.error({ err: error }, `apitoolkit-fastify: ${where} failed; the request is served unchanged`)
    },
    trace (obj, msg) {
      if (options.debug) log.info(obj, `apitoolkit-fastify: ${msg}`)
    }
  }
}
