// How each variant instruments the Fastify app. Everything variant-specific lives here so the
// server's routes are identical across variants.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { ApitoolkitOptions } from 'apitoolkit-fastify'
import { errorMessage, firstLine } from './errors'
import { UNREACHABLE_COLLECTOR, type Pipeline, type Variant } from './protocol'
import { spanOnlyPlugin } from './span-only'

/** Issue 5's full-capture configuration. */
const FULL_CAPTURE: ApitoolkitOptions = {
  serviceName: 'bench',
  captureRequestBody: true,
  captureResponseBody: true,
  redactHeaders: ['x-api-key'],
  redactRequestBody: ['$.user.email', '$.user.credit_card'],
  redactResponseBody: ['$.user.addresses[*].zip']
}

const CAPTURE_OFF: ApitoolkitOptions = { serviceName: 'bench' }

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

/**
 * Registers the variant's instrumentation on `app`, before any route. `provider` is the global
 * pipeline's provider, absent for bare Fastify and for the `unreachable` pipeline.
 */
export async function instrument (
  app: FastifyInstance,
  variant: Variant,
  pipeline: Pipeline,
  provider: NodeTracerProvider | undefined
): Promise<void> {
  switch (variant) {
    case 'bare':
      return
    case 'span-only':
      if (provider === undefined) throw new Error('span-only needs the global pipeline')
      await app.register(spanOnlyPlugin)
      return
    case 'plugin-off':
    case 'plugin-full': {
      const options = variant === 'plugin-full' ? FULL_CAPTURE : CAPTURE_OFF
      const endpoint = pipeline === 'unreachable' ? { otlpEndpoint: UNREACHABLE_COLLECTOR } : {}
      await app.register(loadPlugin(), { ...options, ...endpoint })
      return
    }
    case 'fastify-otel': {
      if (provider === undefined) throw new Error('fastify-otel needs the global pipeline')
      // As @fastify/otel's README shows for Fastify 5: an instrumentation given the provider, whose
      // plugin is awaited before routes are declared.
      const instrumentation = new FastifyOtelInstrumentation()
      instrumentation.setTracerProvider(provider)
      await app.register(instrumentation.plugin())
    }
  }
}
