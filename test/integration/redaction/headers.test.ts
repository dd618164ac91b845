// Header redaction over real HTTP: by name, case-insensitively, in request and response headers, and the
// values never leave the server in any form.
import { test } from 'tap'
import { spanFor, startHarness } from '../../helpers/harness'

test('sensitive headers are redacted by name, in requests and responses', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/login', async (_request, reply) => {
      reply.header('set-cookie', ['session=abc; HttpOnly', 'theme=dark'])
      reply.header('X-Api-Key', 'response-secret')
      reply.header('X-Refresh-Token', 'response-refresh')
      reply.header('x-visible', 'fine')
      return { ok: true }
    })
  }, { redactHeaders: ['X-Tenant'] })
  const res = await fetch(`${h.url}/login`, {
    headers: {
      'x-test-id': 'login',
      Authorization: 'Bearer secret-token',
      Cookie: 'session=abc',
      'Proxy-Authorization': 'Basic xyz',
      'x-api-key': 'request-secret',
      'X-Auth-Token': 'auth-token-value',
      'x-csrf-token': 'csrf-value',
      'x-amz-security-token': 'amz-value',
      'x-client-secret': 'client-secret-value',
      'x-user-password': 'password-value',
      'x-service-apikey': 'apikey-value',
      'x-tenant': 'tenant-value',
      'x-visible': 'ok'
    }
  })
  t.same(await res.json(), { ok: true })
  const spans = await h.closeApp()
  t.equal(spans.length, 1)
  const a = spanFor(spans, 'login').attributes
  const always = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-auth-token', 'x-csrf-token', 'x-amz-security-token']
  const byShape = ['x-client-secret', 'x-user-password', 'x-service-apikey']
  for (const name of [...always, ...byShape]) {
    t.equal(a[`http.request.header.${name}`], '[CLIENT_REDACTED]', `request ${name}: redacted by default`)
  }
  t.equal(a['http.request.header.x-tenant'], '[CLIENT_REDACTED]', 'request x-tenant: redacted as redactHeaders asks, whatever the case')
  t.equal(a['http.response.header.set-cookie'], '[CLIENT_REDACTED]')
  t.equal(a['http.response.header.x-api-key'], '[CLIENT_REDACTED]')
  t.equal(a['http.response.header.x-refresh-token'], '[CLIENT_REDACTED]')
  t.equal(a['http.request.header.x-visible'], 'ok')
  t.equal(a['http.response.header.x-visible'], 'fine')
  const all = JSON.stringify(spans, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)
  const secrets = [
    'secret-token', 'session=abc', 'Basic xyz', 'request-secret', 'response-secret', 'response-refresh', 'auth-token-value',
    'csrf-value', 'amz-value', 'client-secret-value', 'password-value', 'apikey-value', 'tenant-value'
  ]
  for (const secret of secrets) t.notOk(all.includes(secret), `${secret} never leaves`)
})
