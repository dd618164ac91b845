// A connection that closes right after a finished response is not a client abort.
import { test } from 'tap'
import { request as httpRequest } from 'node:http'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { startOfficialReceiver } from '../../helpers/official-receiver'

test('Connection: close while an onResponse hook before the plugin is still running: a plain 200', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify()
  app.addHook('onResponse', async () => { await new Promise((resolve) => setTimeout(resolve, 100)) })
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
  app.get('/done', async () => ({ ok: true }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${url}/done`, { headers: { connection: 'close', 'x-test-id': 'close' } }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(status, 200)
  await new Promise((resolve) => setTimeout(resolve, 300))
  await app.close()
  const [span] = receiver.spans
  t.equal(receiver.spans.length, 1, 'one span')
  t.equal(span?.attributes['http.response.status_code'], 200, 'the status sent')
  t.same(span?.events, [], 'no abort recorded')
})

test('two pipelined requests on a connection that closes under them: both are client aborts', async (t) => {
  const { connect } = await import('node:net')
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
  const arrived: string[] = []
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => { release() })
  let bothArrived: () => void = () => {}
  const both = new Promise<void>((resolve) => { bothArrived = resolve })
  app.get('/wait/:id', async (request) => {
    arrived.push((request.params as { id: string }).id)
    if (arrived.length === 2) bothArrived()
    await released
    return { late: true }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const socket = connect((app.server.address() as { port: number }).port, '127.0.0.1')
  socket.on('error', () => {})
  socket.write('GET /wait/1 HTTP/1.1\r\nHost: x\r\nx-test-id: first\r\n\r\nGET /wait/2 HTTP/1.1\r\nHost: x\r\nx-test-id: second\r\n\r\n')
  await both
  socket.destroy()
  const spans = await receiver.until((all) => all.length >= 2)
  release()
  await app.close()
  t.same(spans.map((s) => s.attributes['http.request.header.x-test-id']).sort(), ['first', 'second'])
  for (const span of spans) {
    t.equal(span.attributes['http.response.status_code'], 499)
    t.same(span.events.map((e) => e.name), ['exception'])
  }
  t.equal(receiver.spans.length, 2, 'the handlers returning later add no span')
})
