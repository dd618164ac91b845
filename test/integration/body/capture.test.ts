// Captured bodies over real HTTP: JSON documents cut structurally to maxBodyBytes, streams never captured.
import { test } from 'tap'
import { Readable } from 'node:stream'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { isStructuralPrefix } from '../../unit/body/prefix'

function post (url: string, id: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'x-test-id': id, 'content-type': 'application/json' }, body })
}

test('bodies longer than maxBodyBytes are cut structurally: still JSON, within the limit, a prefix of the original', async (t) => {
  const MAX = 40
  const long = { text: 'x'.repeat(100) }
  const list = { items: Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${i}`, name: 'Widget' })) }
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
  }, { captureRequestBody: true, captureResponseBody: true, maxBodyBytes: MAX })
  t.same(await (await post(`${h.url}/echo`, 'long', JSON.stringify(long))).json(), long, 'the client gets the whole body')
  t.same(await (await post(`${h.url}/echo`, 'list', JSON.stringify(list))).json(), list)
  const spans = await h.closeApp()
  t.equal(spans.length, 2)

  const a = spanFor(spans, 'long').attributes
  // The longest cut: the string shortened to what leaves room for the closing `"}`.
  const expected = JSON.stringify({ text: 'x'.repeat(MAX - '{"text":""}'.length) })
  t.equal(decodeBase64(a['http.request.body']), expected, 'request body: the string cut to fill maxBodyBytes exactly')
  t.equal(decodeBase64(a['http.response.body']), expected, 'response body: the same')

  for (const name of ['http.request.body', 'http.response.body']) {
    const text = decodeBase64(spanFor(spans, 'list').attributes[name])
    t.ok(Buffer.byteLength(text) <= MAX, `${name}: ${Buffer.byteLength(text)} bytes fit maxBodyBytes`)
    const cut: unknown = JSON.parse(text)
    t.ok(isStructuralPrefix(cut, list), `${name}: ${text} is a structural prefix of the original`)
    t.match(cut, { items: [{ sku: 'SKU-0' }] }, `${name}: not an empty document`)
  }
})

test('a streamed response reaches the client whole and is not captured', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/stream', async (_request, reply) => reply.type('text/plain').send(Readable.from(['a', 'b', 'c'])))
  }, { captureRequestBody: true, captureResponseBody: true, maxBodyBytes: 10 })
  t.equal(await (await fetch(`${h.url}/stream`, { headers: { 'x-test-id': 'stream' } })).text(), 'abc')
  const spans = await h.closeApp()
  t.equal(spans.length, 1)
  t.equal(spanFor(spans, 'stream').attributes['http.response.body'], '')
})
