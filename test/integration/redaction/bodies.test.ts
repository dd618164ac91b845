// Body redaction end to end: what leaves the server in the span is redacted, and always a JSON document;
// what the client gets and the app's own objects are not touched.
import { test } from 'tap'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'

const SECRETS = ['hunter2', '4111-1111', '5500-0000', 'john@secret.example', '100001', '900001', 'text-secret']

test('request and response bodies are redacted in the span, each with its own list', async (t) => {
  const appUser = {
    user: {
      name: 'John',
      email: 'john@secret.example',
      addresses: [{ city: 'Lagos', zip: '100001' }, { city: 'Abuja', zip: '900001' }]
    }
  }
  const pristine = JSON.stringify(appUser)
  const h = await startHarness(t, (app) => {
    app.post('/signup', async () => appUser)
    app.get('/as-string', async (_request, reply) => reply.type('application/json').send(JSON.stringify(appUser)))
    app.get('/as-buffer', async (_request, reply) => reply.type('application/vnd.api+json').send(Buffer.from(JSON.stringify(appUser))))
    app.get('/as-text', async (_request, reply) => reply.type('text/plain').send('text-secret, not JSON'))
    app.get('/password-in-response', async () => ({ password: 'kept in the response span' }))
  }, {
    captureRequestBody: true,
    captureResponseBody: true,
    redactRequestBody: ['$.password', '$.users[*].credit_card'],
    redactResponseBody: ['$.user.email', '$.user.addresses[*].zip']
  })
  const body = { password: 'hunter2', users: [{ name: 'a', credit_card: '4111-1111' }, { name: 'b', credit_card: '5500-0000' }] }
  const res = await fetch(`${h.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': 'signup' }, body: JSON.stringify(body) })
  t.same(await res.json(), appUser, 'the client gets the real values')
  for (const path of ['as-string', 'as-buffer', 'as-text', 'password-in-response']) {
    await (await fetch(`${h.url}/${path}`, { headers: { 'x-test-id': path } })).arrayBuffer()
  }
  t.equal(JSON.stringify(appUser), pristine, "the app's object is unchanged")
  const spans = await h.closeApp()

  const signup = spanFor(spans, 'signup').attributes
  t.same(JSON.parse(decodeBase64(signup['http.request.body'])), {
    password: '[CLIENT_REDACTED]',
    users: [{ name: 'a', credit_card: '[CLIENT_REDACTED]' }, { name: 'b', credit_card: '[CLIENT_REDACTED]' }]
  })
  const redactedUser = {
    user: {
      name: 'John',
      email: '[CLIENT_REDACTED]',
      addresses: [{ city: 'Lagos', zip: '[CLIENT_REDACTED]' }, { city: 'Abuja', zip: '[CLIENT_REDACTED]' }]
    }
  }
  t.same(JSON.parse(decodeBase64(signup['http.response.body'])), redactedUser)
  t.same(JSON.parse(decodeBase64(spanFor(spans, 'as-string').attributes['http.response.body'])), redactedUser, 'a JSON string sent as is')
  t.same(JSON.parse(decodeBase64(spanFor(spans, 'as-buffer').attributes['http.response.body'])), redactedUser, 'a +json Buffer')
  t.equal(decodeBase64(spanFor(spans, 'as-text').attributes['http.response.body']), '"[CLIENT_REDACTED]"',
    'a body that cannot be parsed while paths are configured is withheld: the marker as a JSON string')
  t.same(JSON.parse(decodeBase64(spanFor(spans, 'password-in-response').attributes['http.response.body'])), { password: 'kept in the response span' }, 'the request list does not apply to responses')

  const everything = spans.map((s) => JSON.stringify(s.attributes, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v) +
    decodeBase64(s.attributes['http.request.body']) + decodeBase64(s.attributes['http.response.body'])).join('\n')
  for (const secret of SECRETS) t.notOk(everything.includes(secret), `${secret} appears nowhere in the exported spans`)
})

test('redaction happens before the cut, and the cut body still parses', async (t) => {
  const body = JSON.stringify({ secret: 'a-very-long-secret-value-that-would-be-cut', after: 1 })
  const redacted = { secret: '[CLIENT_REDACTED]', after: 1 }
  for (const maxBodyBytes of [30, 24]) {
    await t.test(`maxBodyBytes ${maxBodyBytes}`, async (t) => {
      const h = await startHarness(t, (app) => {
        app.post('/echo', async () => ({ ok: true }))
      }, { captureRequestBody: true, redactRequestBody: ['$.secret'], maxBodyBytes })
      await (await fetch(`${h.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': 'cut' }, body })).arrayBuffer()
      const captured = decodeBase64(spanFor(await h.closeApp(), 'cut').attributes['http.request.body'])
      t.ok(Buffer.byteLength(captured) <= maxBodyBytes, `${captured} fits ${maxBodyBytes} bytes`)
      t.notOk(captured.includes('a-very'), 'no prefix of the secret survives the cut')
      let parsed: unknown
      t.doesNotThrow(() => { parsed = JSON.parse(captured) }, 'the cut body is JSON')
      // Every field kept is a field of the redacted body, its value whole or, for a string, a prefix of it.
      const fields = Object.entries(parsed as Record<string, unknown>)
      t.ok(fields.every(([key, value]) => key in redacted && (value === redacted[key as keyof typeof redacted] ||
        (typeof value === 'string' && String(redacted[key as keyof typeof redacted]).startsWith(value)))), `a structural cut of the redacted body: ${captured}`)
      if (maxBodyBytes === 30) t.equal(captured, '{"secret":"[CLIENT_REDACTED]"}', 'the object closes after the last field that fits')
    })
  }
})

test('a response schema that drops fields: the span does not show them either', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/me', {
      schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } } } } }
    }, async () => ({ name: 'John', email: 'john@secret.example', passwordHash: 'never-sent' }))
  }, { captureResponseBody: true, redactResponseBody: ['$.email'] })
  const res = await fetch(`${h.url}/me`, { headers: { 'x-test-id': 'me' } })
  t.same(await res.json(), { name: 'John', email: 'john@secret.example' })
  const captured = JSON.parse(decodeBase64(spanFor(await h.closeApp(), 'me').attributes['http.response.body']))
  t.same(captured, { name: 'John', email: '[CLIENT_REDACTED]' })
})
