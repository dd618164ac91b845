// A route's own settings through `config.apitoolkit`: no span, extra redaction, its own capture modes and
// rate; checked when the route is added, naming the route and the option.
import { test } from 'tap'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { logSink } from '../../helpers/log-sink'
import { startOfficialReceiver } from '../../helpers/official-receiver'

function post (url: string, id: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'x-test-id': id, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

function body (span: { attributes: Record<string, unknown> }, name: string): unknown {
  const value = span.attributes[name]
  return value === '' ? '' : JSON.parse(decodeBase64(value))
}

test('apitoolkit: false makes no span; the route serves as usual and its neighbours are traced', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/health', { config: { apitoolkit: false } }, async (request) => {
      request.apitoolkit.reportError(new Error('harmless'))
      request.apitoolkit.setUser({ id: 'u' })
      return { up: true }
    })
    app.get('/users', async () => ({ users: [] }))
  })
  const health = await fetch(`${h.url}/health`, { headers: { 'x-test-id': 'health' } })
  t.same(await health.json(), { up: true })
  t.equal((await fetch(`${h.url}/users`, { headers: { 'x-test-id': 'users' } })).status, 200)
  const spans = await h.closeApp()
  t.equal(spans.length, 1)
  t.equal(spans[0].attributes['http.route'], '/users')
})

test("a route's extra JSONPath, headers and query names redact on that route only", async (t) => {
  const h = await startHarness(t, (app) => {
    const handler = async (request: { body: unknown }): Promise<unknown> => ({ got: request.body, ssn: '123-45-6789' })
    app.post('/strict', { config: { apitoolkit: { redactRequestBody: ['$.card'], redactResponseBody: ['$.ssn'], redactHeaders: ['x-tenant-key'], redactQueryParams: ['invite'] } } }, handler)
    app.post('/plain', handler)
  }, { captureRequestBody: true, captureResponseBody: true, redactRequestBody: ['$.password'] })
  const sent = { card: '4000', password: 'pw', keep: 1 }
  for (const route of ['strict', 'plain']) {
    const res = await post(`${h.url}/${route}?invite=abc&q=1`, route, sent, { 'x-tenant-key': 'tk' })
    t.same(await res.json(), { got: sent, ssn: '123-45-6789' }, 'the client gets the real values')
  }
  const spans = await h.closeApp()
  const strict = spanFor(spans, 'strict')
  t.same(body(strict, 'http.request.body'), { card: '[CLIENT_REDACTED]', password: '[CLIENT_REDACTED]', keep: 1 }, "the route's path and the plugin's")
  t.same(body(strict, 'http.response.body'), { got: sent, ssn: '[CLIENT_REDACTED]' })
  t.equal(strict.attributes['http.request.header.x-tenant-key'], '[CLIENT_REDACTED]')
  t.equal(strict.attributes['http.target'], '/strict?invite=[CLIENT_REDACTED]&q=1')
  t.equal(strict.attributes['http.request.query_params'], '{"invite":["[CLIENT_REDACTED]"],"q":["1"]}')
  const plain = spanFor(spans, 'plain')
  t.same(body(plain, 'http.request.body'), { card: '4000', password: '[CLIENT_REDACTED]', keep: 1 })
  t.same(body(plain, 'http.response.body'), { got: { card: '4000', password: 'pw', keep: 1 }, ssn: '123-45-6789' })
  t.equal(plain.attributes['http.request.header.x-tenant-key'], 'tk')
  t.equal(plain.attributes['http.target'], '/plain?invite=abc&q=1')
})

test("a route's capture modes override the plugin's, both ways", async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/captured', { config: { apitoolkit: { captureRequestBody: true, captureResponseBody: true, redactResponseBody: ['$.secret'] } } }, async () => ({ secret: 's', open: 'o' }))
    app.post('/on-errors', { config: { apitoolkit: { captureRequestBody: 'errors', captureResponseBody: 'errors' } } }, async () => ({ fine: true }))
    app.post('/default', async () => ({ fine: true }))
  })
  await post(`${h.url}/captured`, 'captured', { a: 1 })
  await post(`${h.url}/on-errors`, 'on-errors', { a: 1 })
  await post(`${h.url}/default`, 'default', { a: 1 })
  const spans = await h.closeApp()
  t.same(body(spanFor(spans, 'captured'), 'http.request.body'), { a: 1 }, 'captured on its route while the plugin captures nothing')
  t.same(body(spanFor(spans, 'captured'), 'http.response.body'), { secret: '[CLIENT_REDACTED]', open: 'o' })
  t.equal(spanFor(spans, 'on-errors').attributes['http.request.body'], '')
  t.equal(spanFor(spans, 'default').attributes['http.response.body'], '')

  const off = await startHarness(t, (app) => {
    app.post('/quiet', { config: { apitoolkit: { captureRequestBody: false, captureResponseBody: false } } }, async () => ({ x: 1 }))
    app.post('/loud', async () => ({ x: 1 }))
  }, { captureRequestBody: true, captureResponseBody: true })
  await post(`${off.url}/quiet`, 'quiet', { a: 1 })
  await post(`${off.url}/loud`, 'loud', { a: 1 })
  const offSpans = await off.closeApp()
  t.same([spanFor(offSpans, 'quiet').attributes['http.request.body'], spanFor(offSpans, 'quiet').attributes['http.response.body']], ['', ''])
  t.same(body(spanFor(offSpans, 'loud'), 'http.response.body'), { x: 1 })
})

test("a route's sampleRate overrides the plugin's", async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/noisy', { config: { apitoolkit: { sampleRate: 0 } } }, async () => ({ ok: true }))
    app.get('/rare', async () => ({ ok: true }))
    app.get('/always', { config: { apitoolkit: { sampleRate: 1 } } }, async () => ({ ok: true }))
  }, { sampleRate: 0 })
  for (let i = 0; i < 20; i++) {
    for (const route of ['noisy', 'rare', 'always']) await (await fetch(`${h.url}/${route}`, { headers: { 'x-test-id': `${route}-${i}` } })).arrayBuffer()
  }
  const spans = await h.closeApp()
  t.same([...new Set(spans.map((s) => s.attributes['http.route']))], ['/always'])
  t.equal(spans.length, 20)
})

const MISTAKES: Array<[string, unknown, RegExp]> = [
  ['a typo', { redactRequestbody: ['$.card'] }, /^apitoolkit-fastify: route POST \/pay: unknown option "config\.apitoolkit\.redactRequestbody" \(did you mean config\.apitoolkit\.redactRequestBody\?\)$/],
  ['a wrong type', { captureRequestBody: 'sometimes' }, /^apitoolkit-fastify: route POST \/pay: option config\.apitoolkit\.captureRequestBody must be true, false or 'errors', got "sometimes"$/],
  ['a rate out of range', { sampleRate: 2 }, /route POST \/pay: option config\.apitoolkit\.sampleRate must be a number from 0 to 1, got 2$/],
  ['an invalid JSONPath', { redactResponseBody: ['$.ok', '$.a[?(@.x)]'] }, /route POST \/pay: option config\.apitoolkit\.redactResponseBody\[1\]: .*\$\.a\[\?\(@\.x\)\]/],
  ['a list that is a string', { redactHeaders: 'x-key' }, /route POST \/pay: option config\.apitoolkit\.redactHeaders must be an array of strings, got "x-key"/],
  ['true or an object, not a string', 'off', /route POST \/pay: config\.apitoolkit must be false or an object, got "off"/],
  ['an option only the plugin has', { otlpEndpoint: 'http://x' }, /route POST \/pay: unknown option "config\.apitoolkit\.otlpEndpoint"/]
]

for (const [what, config, message] of MISTAKES) {
  test(`a route config with ${what} fails app.ready(), naming the route and the option`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' })
    // Not awaited: the route is added while ready() loads the plugins, where Fastify reports the failure.
    void app.register(async (child) => {
      child.post('/pay', { config: { apitoolkit: config as false } }, async () => ({ ok: true }))
    })
    await t.rejects(async () => { await app.ready() }, { name: 'ApitoolkitOptionsError', message })
  })
}

test('a route added before the plugin loaded: its config applies from its first request; a mistake is logged and its bodies withheld', async (t) => {
  const sink = logSink()
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify({ logger: { level: 'warn', stream: sink.stream } })
  // Not awaited: the routes below are added before the plugin runs, so its onRoute hook never sees them.
  void app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, captureRequestBody: true, redactRequestBody: ['$.password'] })
  app.post('/early', { config: { apitoolkit: { redactRequestBody: ['$.card'] } } }, async () => ({ ok: true }))
  app.post('/early-typo', { config: { apitoolkit: { redactRequestbody: ['$.card'] } } }, async () => ({ ok: true }))
  app.get('/early-off', { config: { apitoolkit: false } }, async () => ({ ok: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const sent = { card: '4000', password: 'pw' }
  t.equal((await post(`${url}/early`, 'early', sent)).status, 200)
  t.equal((await post(`${url}/early-typo`, 'early-typo', sent)).status, 200)
  t.equal((await fetch(`${url}/early-off`)).status, 200)
  await app.close()
  const spans = receiver.spans
  t.equal(spans.length, 2, 'no span for the route with apitoolkit: false')
  t.same(body(spanFor(spans, 'early'), 'http.request.body'), { card: '[CLIENT_REDACTED]', password: '[CLIENT_REDACTED]' })
  t.equal(spanFor(spans, 'early-typo').attributes['http.request.body'], '', 'a config that cannot be trusted: no body')
  t.ok(sink.lines.some((line) => line.level === 50 && String(line.err?.message).includes('route POST /early-typo: unknown option "config.apitoolkit.redactRequestbody"')), 'the mistake is logged, naming the route')
})
