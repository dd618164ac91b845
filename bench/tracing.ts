// What a server process sets up before it loads Fastify. Order matters: an instrumentation patches a
// module when the module is required after the instrumentation was registered, and code that took
// functions out of a module loaded earlier keeps the unpatched ones. So instrumentation-http goes
// first, then the global provider, and Fastify (which requires `http`) last: tracing set up before
// the application's modules load, as in an application that follows OpenTelemetry's Node guide.
// Everything here is imported lazily, so bare Fastify's process loads no OpenTelemetry code.
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { Variant } from './protocol'

const HTTP_INSTRUMENTED: ReadonlySet<Variant> = new Set(['http-instr', 'http-instr-plugin'])
const GLOBAL_PROVIDER: ReadonlySet<Variant> = new Set(['fastify-otel', 'http-instr', 'http-instr-plugin'])

/** Sets up `variant`'s tracing; returns the global provider, or undefined when it has none. */
export async function setUpTracing (variant: Variant, collector: string): Promise<NodeTracerProvider | undefined> {
  if (HTTP_INSTRUMENTED.has(variant)) {
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation')
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http')
    // No provider yet: the instrumentation gets the API's proxy, which forwards to the global
    // provider once it is registered below.
    registerInstrumentations({ instrumentations: [new HttpInstrumentation()] })
  }
  if (!GLOBAL_PROVIDER.has(variant)) return undefined
  const { installGlobalPipeline } = await import('./pipeline')
  return installGlobalPipeline(collector)
}

/**
 * Throws unless instrumentation-http has wrapped the server side of `http` (it wraps
 * `Server.prototype.emit`) by the time Fastify's server listens. Without this a load-order mistake
 * would go unnoticed and the variant would measure plain Fastify. The check reads the app's own
 * server rather than requiring `http`, since that require would itself let the instrumentation
 * patch. OpenTelemetry wraps functions with shimmer, which marks each wrapper with `__wrapped`.
 */
export function checkTracing (variant: Variant, server: { emit: unknown }): void {
  if (!HTTP_INSTRUMENTED.has(variant)) return
  const emit = server.emit as { __wrapped?: unknown }
  if (emit.__wrapped !== true) throw new Error(`${variant}: instrumentation-http did not patch http.Server`)
}
