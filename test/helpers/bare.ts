// The same routes on Fastify alone, to compare what a client receives with and without the plugin.
import Fastify, { type FastifyInstance } from 'fastify'
import type { Teardown } from './teardown'

/** Starts a Fastify app without the plugin, with `routes`, on 127.0.0.1; returns its base URL. */
export async function startBare (t: Teardown, routes: (app: FastifyInstance) => void): Promise<string> {
  const app = Fastify()
  routes(app)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return url
}
