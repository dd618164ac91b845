// Over HTTP/2, the pseudo-headers (`:path` carries the query) are not reported as headers.
import { test } from 'tap'
import { connect } from 'node:http2'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { startOfficialReceiver } from '../../helpers/official-receiver'

test('an HTTP/2 request with a token in its query: withheld in the target, and no :path attribute', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify({ http2: true })
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
  app.get('/x', async () => ({ ok: true }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const client = connect(url)
  const status = await new Promise<number>((resolve, reject) => {
    const stream = client.request({ ':path': '/x?token=S3CRETQUERY&q=1', 'x-test-id': 'h2' })
    let code = 0
    stream.on('response', (headers) => { code = Number(headers[':status']) })
    stream.resume()
    stream.on('end', () => { resolve(code) })
    stream.on('error', reject)
  })
  client.close()
  t.equal(status, 200)
  await app.close()
  const [span] = receiver.spans
  t.equal(span?.attributes['http.target'], '/x?token=[CLIENT_REDACTED]&q=1')
  t.same(Object.keys(span?.attributes ?? {}).filter((k) => k.includes(':')), [], 'no pseudo-header attribute')
  t.notMatch(JSON.stringify(span?.attributes), /S3CRETQUERY/, 'the token is nowhere in the span')
})
