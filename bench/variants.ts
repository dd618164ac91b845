// How each variant instruments the Fastify app once it exists. Everything variant-specific that
// happens after Fastify is loaded lives here, so the routes are identical across variants; what
// must happen before (instrumentation-http, the global provider) is in tracing.ts.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { ApitoolkitOptions } from 'apitoolkit-fastify'
import { errorMessage, firstLine } from './errors'
import type { Variant } from './protocol'

/**
 * Full capture: both bodies, and redaction on every path of the workload's requests (a header,
 * two request body fields, a field in each element of a response array).
 */
const FULL_CAPTURE: ApitoolkitOptions = {
  serviceName: 'bench',
  captureRequestBody: true,
  captureResponseBody: true,
  redactHeaders: ['x-api-key'],
  redactRequestBody: ['$.user.email', '$.user.credit_card'],
  redactResponseBody: ['$.user.addresses[*].zip']
}

/** dist/lib/index.js, loaded at run time: the plugin is built separately and may not exist yet. */
function loadPlugin (): FastifyPluginAsync<ApitoolkitOptions> {
  const file = join(__dirname, '..', 'lib', 'index.js')
  if (!existsSync(file)) {
    throw new Error(`the plugin is not built: ${file} does not exist (write lib/index.ts, then npm run build)`)
  }
  let mod: { default?: unknown }
  try {
    mod = require(file) as { default?: unknown }
  } catch (err) {
    throw new Error(`the plugin could not be loaded from ${file}: ${firstLine(errorMessage(err))}`)
  }
  const plugin = mod.default ?? mod
  if (typeof plugin !== 'function') throw new Error(`${file} has no default export that is a Fastify plugin`)
  return plugin as FastifyPluginAsync<ApitoolkitOptions>
}

/** The hooks the plugin runs on every request with full capture, each calling done() and nothing else. */
function addIdleHooks (app: FastifyInstance): void {
  app.addHook('onRequest', (_request, _reply, done) => { done() })
  app.addHook('preValidation', (_request, _reply, done) => { done() })
  app.addHook('onSend', (_request, _reply, payload, done) => { done(null, payload) })
}

/**
 * Registers the variant's instrumentation on `app`, before any route. `collector` is the plugin's
 * `otlpEndpoint`; `provider` is the global provider that tracing.ts installed, if any.
 */
export async function instrument (
  app: FastifyInstance,
  variant: Variant,
  collector: string,
  provider: NodeTracerProvider | undefined
): Promise<void> {
  switch (variant) {
    case 'bare':
    case 'http-instr':
      return
    case 'plugin-full':
    case 'http-instr-plugin':
    case 'plugin-logger':
      await app.register(loadPlugin(), { ...FULL_CAPTURE, otlpEndpoint: collector })
      return
    case 'plugin-no-secrets':
      await app.register(loadPlugin(), { ...FULL_CAPTURE, redactSecrets: false, otlpEndpoint: collector })
      return
    case 'plugin-unsampled':
      await app.register(loadPlugin(), { ...FULL_CAPTURE, sampleRate: 0, otlpEndpoint: collector })
      return
    case 'plugin-logger-correlated':
      await app.register(loadPlugin(), { ...FULL_CAPTURE, correlateLogs: true, otlpEndpoint: collector })
      return
    case 'hooks-only':
      addIdleHooks(app)
      return
    case 'fastify-otel': {
      if (provider === undefined) throw new Error('fastify-otel needs the global provider')
      // As @fastify/otel's README shows for Fastify 5: an instrumentation given the provider, whose
      // plugin is awaited before routes are declared.
      const instrumentation = new FastifyOtelInstrumentation()
      instrumentation.setTracerProvider(provider)
      await app.register(instrumentation.plugin())
    }
  }
}
