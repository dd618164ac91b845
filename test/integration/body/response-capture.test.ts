// Response bodies as the span records them when other hooks or the route's schema get involved.
import { test } from 'tap'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'

test('a preSerialization hook added after the plugin wraps the payload: the paths apply to what was sent', async (t) => {
  const h = await startHarness(t, (app) => {
    app.addHook('preSerialization', async (_request, _reply, payload) => ({ ok: true, data: payload }))
    app.get('/token', async () => ({ token: 'S3CRET-token-value' }))
  }, { captureResponseBody: true, redactResponseBody: ['$.data.token'] })
  const res = await fetch(`${h.url}/token`, { headers: { 'x-test-id': 'wrapped' } })
  t.same(await res.json(), { ok: true, data: { token: 'S3CRET-token-value' } }, 'the client gets the real value')
  const span = spanFor(await h.closeApp(), 'wrapped')
  t.same(JSON.parse(decodeBase64(span.attributes['http.response.body'])), { ok: true, data: { token: '[CLIENT_REDACTED]' } })
  t.notMatch(JSON.stringify(span.attributes), /S3CRET/, 'the secret is nowhere in the span')
})

test('a response schema that refuses the marker where it wants a number: the span is still sent, redacted', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/count', {
      schema: { response: { 200: { type: 'object', properties: { n: { type: 'number' }, name: { type: 'string' } } } } }
    }, async () => ({ n: 42, name: 'widget', dropped: 'not in the schema' }))
  }, { captureResponseBody: true, redactResponseBody: ['$.n'] })
  const res = await fetch(`${h.url}/count`, { headers: { 'x-test-id': 'count' } })
  t.same(await res.json(), { n: 42, name: 'widget' }, 'the client gets what the schema sends')
  const span = spanFor(await h.closeApp(), 'count')
  const body = JSON.parse(decodeBase64(span.attributes['http.response.body'])) as Record<string, unknown>
  t.equal(body.n, '[CLIENT_REDACTED]', 'the field is withheld')
  t.equal(body.name, 'widget')
})
