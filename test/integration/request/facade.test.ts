// request.apitoolkit: user, tenant and custom attributes as the span carries them.
import { test } from 'tap'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { spanFor, startHarness } from '../../helpers/harness'

test('setUser, setTenant and setAttributes put their attributes on the request span', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/me', async (request) => {
      request.apitoolkit.setUser({ id: 42, email: 'jane@example.com', name: 'Jane Doe' })
      request.apitoolkit.setTenant({ id: 't_7', name: 'Acme' })
      request.apitoolkit.setAttributes({ plan: 'pro', seats: 12, trial: false })
      return { ok: true }
    })
  })
  await (await fetch(`${h.url}/me`, { headers: { 'x-test-id': 'me' } })).text()
  const span = spanFor(await h.closeApp(), 'me')
  t.equal(span.attributes['user.id'], '42', 'ids are strings')
  t.equal(span.attributes['user.email'], 'jane@example.com')
  t.equal(span.attributes['user.full_name'], 'Jane Doe')
  t.equal(span.attributes['tenant.id'], 't_7')
  t.equal(span.attributes['tenant.name'], 'Acme')
  t.equal(span.attributes.plan, 'pro')
  t.equal(span.attributes.seats, 12)
  t.equal(span.attributes.trial, false)
})

test('a custom attribute can never replace a fixed one or carry a redacted header\'s value', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/sneaky', async (request) => {
      request.apitoolkit.setAttributes({
        'http.route': '/forged',
        'apitoolkit.msg_id': 'forged',
        'user.id': 'forged',
        'http.request.header.authorization': 'forged',
        copied: String(request.headers.authorization),
        fine: 'kept',
        bad: { nested: true } as unknown as string,
        nan: Number.NaN
      })
      return 'ok'
    })
  })
  await (await fetch(`${h.url}/sneaky`, { headers: { 'x-test-id': 'sneaky', authorization: 'Bearer s3cret' } })).text()
  const span = spanFor(await h.closeApp(), 'sneaky')
  t.equal(span.attributes['http.route'], '/sneaky')
  t.not(span.attributes['apitoolkit.msg_id'], 'forged')
  t.notOk('user.id' in span.attributes, 'user.* only through setUser')
  t.equal(span.attributes['http.request.header.authorization'], '[CLIENT_REDACTED]')
  t.equal(span.attributes.copied, '[CLIENT_REDACTED]', 'the Authorization value does not leave through a custom attribute')
  t.equal(span.attributes.fine, 'kept')
  t.notOk('bad' in span.attributes, 'objects are not attribute values')
  t.notOk('nan' in span.attributes)
  t.notMatch(JSON.stringify(span), /s3cret/, 'the secret is nowhere in the span')
})

test('on a request the plugin does not trace, every call is harmless', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/health', async (request) => {
      request.apitoolkit.setUser({ id: 'u' })
      request.apitoolkit.setTenant({ id: 't' })
      request.apitoolkit.setAttributes({ a: 1 })
      request.apitoolkit.reportError(new Error('ignored'))
      return 'ok'
    })
  }, { ignoreRoutes: ['/health'] })
  const res = await fetch(`${h.url}/health`)
  t.equal(res.status, 200)
  t.equal(await res.text(), 'ok')
  t.same(await h.closeApp(), [], 'no span')
})

test('registered inside an encapsulated plugin, registration fails with a clear error', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/outside', async () => 'outside')
  app.register(async (child) => {
    await child.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' })
  })
  await t.rejects(async () => { await app.ready() }, /register the plugin on the root app/)
})
