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
