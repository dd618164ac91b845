// The span ends when the response is finished, however the request arrived: over a real connection,
// through app.inject() (no socket), or from several apps in one process. The plugin adds no listener to
// the response, since instrumentation-http makes each one costly.
import { test } from 'tap'
import { channel } from 'node:diagnostics_channel'
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit from '../../..'
import { startOfficialReceiver } from '../../helpers/official-receiver'

/** The number of 'finish' and 'error' listeners a handler sees on its response. */
async function responseListeners (withPlugin: boolean, endpoint: string): Promise<{ finish: number, error: number }> {
  const app = Fastify()
  if (withPlugin) await app.register(apitoolkit, { otlpEndpoint: endpoint })
  let counts = { finish: -1, error: -1 }
  app.get('/count', async (_request, reply) => {
    counts = { finish: reply.raw.listenerCount('finish'), error: reply.raw.listenerCount('error') }
    return { ok: true }
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  try {
    const res = await fetch(`${url}/count`)
    await res.text()
  } finally {
    await app.close()
  }
  return counts
}

test('the response carries the same listeners with the plugin as without it', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const bare = await responseListeners(false, receiver.endpoint)
  const traced = await responseListeners(true, receiver.endpoint)
  t.ok(bare.finish >= 1, 'Node listens for the end of its response')
  t.same(traced, bare, 'no listener added')
  const [span] = await receiver.until((spans) => spans.length === 1)
  t.equal(span.attributes['http.response.status_code'], 200, 'and the span still ended with the response')
})

test('app.inject(): one span per injected request, ended with the response it made', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, captureResponseBody: true })
  app.get('/injected/:id', async (request, reply) => reply.code(201).send({ id: (request.params as { id: string }).id }))
  const first = await app.inject({ method: 'GET', url: '/injected/1' })
  const second = await app.inject({ method: 'GET', url: '/injected/2' })
  t.equal(first.statusCode, 201, 'the injected request is served unchanged')
  t.same(second.json(), { id: '2' })
  await app.close()
  const spans = await receiver.until((all) => all.length === 2)
  t.same(spans.map((s) => s.attributes['http.target']).sort(), ['/injected/1', '/injected/2'], 'one span each')
  for (const span of spans) {
    t.equal(span.attributes['http.response.status_code'], 201)
    t.equal(span.attributes['http.route'], '/injected/:id')
    const body = JSON.parse(Buffer.from(String(span.attributes['http.response.body']), 'base64').toString('utf8')) as unknown
    t.same(body, { id: String(span.attributes['http.target']).slice('/injected/'.length) }, 'the response body parses as JSON')
  }
})

test('two apps in one process: each request gets one span, from its own app', async (t) => {
  const receiverA = await startOfficialReceiver()
  const receiverB = await startOfficialReceiver()
  t.teardown(() => Promise.all([receiverA.close(), receiverB.close()]))
  const apps: FastifyInstance[] = []
  const urls: string[] = []
  for (const [name, receiver] of [['a', receiverA], ['b', receiverB]] as const) {
    const app = Fastify()
    await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, serviceName: `app-${name}` })
    app.get(`/${name}`, async () => ({ app: name }))
    urls.push(await app.listen({ host: '127.0.0.1', port: 0 }))
    apps.push(app)
  }
  for (let i = 0; i < 3; i++) {
    await (await fetch(`${urls[0]}/a`)).text()
    await (await fetch(`${urls[1]}/b`)).text()
  }
  await Promise.all(apps.map((app) => app.close()))
  t.same(receiverA.spans.map((s) => s.attributes['http.route']), ['/a', '/a', '/a'], 'app a: its own three')
  t.same(receiverB.spans.map((s) => s.attributes['http.route']), ['/b', '/b', '/b'], 'app b: its own three')
})

test('closing the app stops watching the server\'s responses', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const finished = channel('http.server.response.finish')
  const before = finished.hasSubscribers
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
  t.equal(finished.hasSubscribers, true, 'watching while registered')
  await app.close()
  t.equal(finished.hasSubscribers, before, 'as before once closed')
})
