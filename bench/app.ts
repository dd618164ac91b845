// The Fastify app every variant serves: the same routes, instrumented as variants.ts says. server.ts
// loads this module only after tracing.ts has set up tracing, because it loads Fastify.
import Fastify, { type FastifyInstance } from 'fastify'
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { Variant } from './protocol'
import { instrument } from './variants'
import { UPLOAD_PATH, USER_DOCUMENT } from './workload'

/** Fastify's default bodyLimit is exactly 1 MiB; the body-size section sends 1 MiB documents. */
const BODY_LIMIT = 2 * 1024 * 1024

function addRoutes (app: FastifyInstance): void {
  app.get('/hello', async () => ({ hello: 'world' }))

  app.post<{ Params: { id: string }, Body: typeof USER_DOCUMENT }>('/users/:id', async (request) => ({
    id: request.params.id,
    ...request.body,
    status: 'active',
    createdAt: new Date().toISOString()
  }))

  // Large bodies in, a small answer out: the cost under test is reading and capturing the request.
  app.post<{ Body: { items?: unknown[] } }>(UPLOAD_PATH, async (request) => ({
    received: request.body.items?.length ?? 0
  }))
}

/** Builds the app for `variant` and listens on 127.0.0.1:`port` (0 for any free port). */
export async function startApp (
  variant: Variant,
  collector: string,
  provider: NodeTracerProvider | undefined,
  port: number
): Promise<FastifyInstance> {
  // The logger variants log at info level (a line as each request comes and as it ends) to a stream that
  // drops the lines: what pino does per request is counted, not the writes.
  const logged = variant === 'plugin-logger' || variant === 'plugin-logger-correlated'
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: logged ? { level: 'info', stream: { write () {} } } : false })
  await instrument(app, variant, collector, provider)
  addRoutes(app)
  await app.listen({ host: '127.0.0.1', port })
  return app
}
