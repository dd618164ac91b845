// Real parts for end-to-end tests: an OTLP/gRPC receiver decoding with the official protos, a Fastify app
// on 127.0.0.1 with the plugin's own pipeline exporting into it, and small HTTP helpers.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import apitoolkit, { type ApitoolkitOptions } from '../..'
import { startOfficialReceiver, type DecodedSpan, type OfficialReceiver } from './official-receiver'
import type { Teardown } from './teardown'

export interface Harness {
  app: FastifyInstance
  url: string
  collector: OfficialReceiver
  /** Closes the app, which flushes its spans, and returns every span the collector received. */
  closeApp (): Promise<DecodedSpan[]>
}


export async function startHarness (
  t: Teardown,
  routes: (app: FastifyInstance) => void | Promise<void>,
  options: ApitoolkitOptions = {},
  fastifyOptions: FastifyServerOptions = {}
): Promise<Harness> {
  const collector = await startOfficialReceiver()
  const app = Fastify(fastifyOptions)
  await app.register(apitoolkit, { otlpEndpoint: collector.endpoint, serviceName: 'test-api', ...options })
  await routes(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  let closed = false
  const closeApp = async (): Promise<DecodedSpan[]> => {
    if (!closed) { closed = true; await app.close() }
    return collector.spans
  }
  t.teardown(async () => { await closeApp(); await collector.close() })
  return { app, url: `http://127.0.0.1:${port}`, collector, closeApp }
}

/** The APItoolkit span of the request that carried `x-test-id: id`. */
export function spanFor (spans: DecodedSpan[], id: string): DecodedSpan {
  const found = spans.filter((s) => s.attributes['http.request.header.x-test-id'] === id)
  if (found.length !== 1) throw new Error(`expected one span for x-test-id ${id}, found ${found.length}`)
  return found[0]
}

export function decodeBase64 (value: unknown): string {
  return Buffer.from(String(value), 'base64').toString('utf8')
}

export function errorsOf (span: DecodedSpan): Array<Record<string, string>> {
  return JSON.parse(String(span.attributes['apitoolkit.errors']))
}
