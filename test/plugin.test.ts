// End to end over OTLP/gRPC: a real Fastify app on 127.0.0.1, real HTTP requests, the plugin's own
// pipeline exporting into the local collector. Every attribute of SPEC §3 on every lifecycle path.
import { test } from 'tap'
import { trace } from '@opentelemetry/api'
import { reportError } from '..'
import { decodeBase64, errorsOf, spanFor, startHarness } from './helpers/harness'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

class PaymentError extends Error {}

function get (url: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { 'x-test-id': id, ...headers } })
}

function post (url: string, id: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'x-test-id': id, 'content-type': contentType }, body })
}

test('every lifecycle path gets one span with every attribute', async (t) => {
  const seenActive: Record<string, string | undefined> = {}
  const h = await startHarness(t, (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-deny'] !== undefined) await reply.code(401).send({ error: 'unauthorized' })
    })
    app.get('/users/:id', async (request) => {
      seenActive.get = trace.getActiveSpan()?.spanContext().spanId
      return { id: (request.params as { id: string }).id }
    })
    app.post('/orders/:id', async (request, reply) => {
      seenActive.post = trace.getActiveSpan()?.spanContext().spanId
      return reply.code(201).send({ id: (request.params as { id: string }).id, body: request.body })
    })
    app.post('/strict', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }))
    app.get('/boom', async () => {
      throw new PaymentError('charge failed', { cause: new TypeError('card declined', { cause: new RangeError('limit reached') }) })
    })
    app.get('/handled', async (request) => {
      request.apitoolkit.reportError(new PaymentError('retry later'))
      reportError(request, 'a plain string')
      reportError(request, { name: 'Custom', message: 'plain object' })
      reportError(request, Symbol('ignored'))
      return { ok: true }
    })
  }, { apiKey: 'key-123', serviceVersion: '2.3.0', tags: ['prod', 'eu'], captureRequestBody: true, captureResponseBody: true })

  const responses = await Promise.all([
    get(`${h.url}/users/5?q=1&q=2&r=x`, 'get'),
    post(`${h.url}/orders/42`, 'post', JSON.stringify({ item: 'book', qty: 2 })),
    get(`${h.url}/nowhere`, 'missing'),
    post(`${h.url}/orders/1`, 'badjson', '{"item": '),
    post(`${h.url}/strict`, 'schema', JSON.stringify({ other: 1 })),
    get(`${h.url}/users/1`, 'denied', { 'x-deny': '1' }),
    get(`${h.url}/boom`, 'boom'),
    get(`${h.url}/handled`, 'handled')
  ])
  t.same(responses.map((r) => r.status), [200, 201, 404, 400, 400, 401, 500, 200])
  await Promise.all(responses.map((r) => r.arrayBuffer()))
  const spans = await h.closeApp()
  t.equal(spans.length, 8, 'one span per request')

  const g = spanFor(spans, 'get')
  t.equal(g.name, 'apitoolkit-http-span')
  t.equal(g.kind, 2, 'kind SERVER')
  t.equal(g.status.code, 0, 'status unset below 500')
  t.ok(g.endTimeUnixNano > g.startTimeUnixNano, 'has a duration')
  t.equal(g.parentSpanId, '')
  t.match(g.resource, { 'service.name': 'test-api', 'service.version': '2.3.0', 'at-project-key': 'key-123' })
  const a = g.attributes
  t.equal(a['net.host.name'], '127.0.0.1')
  t.match(a['apitoolkit.msg_id'], UUID_V4)
  t.equal(a['http.route'], '/users/:id')
  t.equal(a['http.target'], '/users/5?q=1&q=2&r=x')
  t.equal(a['http.request.method'], 'GET')
  t.equal(a['http.response.status_code'], 200)
  t.same(JSON.parse(String(a['http.request.query_params'])), { q: ['1', '2'], r: ['x'] })
  t.same(JSON.parse(String(a['http.request.path_params'])), { id: '5' })
  t.equal(a['apitoolkit.sdk_type'], 'JsFastify')
  t.equal(a['apitoolkit.parent_id'], '')
  t.equal(a['http.request.body'], '', 'no request body on a GET')
  t.same(JSON.parse(decodeBase64(a['http.response.body'])), { id: '5' })
  t.equal(a['apitoolkit.errors'], '[]')
  t.equal(a['apitoolkit.service_version'], '2.3.0')
  t.same(a['apitoolkit.tags'], ['prod', 'eu'])
  t.equal(a['http.request.header.x-test-id'], 'get')
  t.equal(a['http.request.header.host'], new URL(h.url).host)
  t.equal(a['http.response.header.content-type'], 'application/json; charset=utf-8')
  t.equal(a['http.response.header.content-length'], String(JSON.stringify({ id: '5' }).length))
  t.equal(seenActive.get, g.spanId, 'the span is active in a handler without a body')

  const p = spanFor(spans, 'post')
  t.equal(p.attributes['http.route'], '/orders/:id')
  t.equal(p.attributes['http.request.method'], 'POST')
  t.equal(p.attributes['http.response.status_code'], 201)
  t.same(JSON.parse(String(p.attributes['http.request.path_params'])), { id: '42' })
  t.equal(p.attributes['http.request.query_params'], '{}')
  t.same(JSON.parse(decodeBase64(p.attributes['http.request.body'])), { item: 'book', qty: 2 })
  t.same(JSON.parse(decodeBase64(p.attributes['http.response.body'])), { id: '42', body: { item: 'book', qty: 2 } })
  t.equal(seenActive.post, p.spanId, 'the span is active in a handler that read a body')

  const m = spanFor(spans, 'missing')
  t.equal(m.attributes['http.route'], '/')
  t.equal(m.attributes['http.response.status_code'], 404)
  t.equal(m.attributes['http.target'], '/nowhere')

  const bad = spanFor(spans, 'badjson')
  t.equal(bad.attributes['http.response.status_code'], 400)
  t.equal(bad.attributes['http.route'], '/orders/:id')
  t.match(errorsOf(bad), [{ error_type: String, message: /JSON/ }])

  const schema = spanFor(spans, 'schema')
  t.equal(schema.attributes['http.response.status_code'], 400)
  t.match(errorsOf(schema), [{ message: /name/ }])
  t.same(JSON.parse(decodeBase64(schema.attributes['http.request.body'])), { other: 1 }, 'body captured before validation')

  const denied = spanFor(spans, 'denied')
  t.equal(denied.attributes['http.response.status_code'], 401)
  t.equal(denied.attributes['http.route'], '/users/:id')

  const boom = spanFor(spans, 'boom')
  t.equal(boom.attributes['http.response.status_code'], 500)
  t.equal(boom.status.code, 2, 'status ERROR on 5xx')
  const [e] = errorsOf(boom)
  t.equal(e.error_type, 'PaymentError')
  t.equal(e.message, 'charge failed')
  t.equal(e.root_error_type, 'RangeError')
  t.equal(e.root_error_message, 'limit reached')
  t.match(e.stack_trace, /Error: charge failed\n\s+at /)
  t.ok(!Number.isNaN(Date.parse(e.when)) && e.when.endsWith('Z'), 'ISO-8601 time')

  const handled = spanFor(spans, 'handled')
  t.equal(handled.attributes['http.response.status_code'], 200)
  t.equal(handled.status.code, 0)
  t.match(errorsOf(handled), [
    { error_type: 'PaymentError', message: 'retry later', root_error_type: 'PaymentError' },
    { error_type: 'Error', message: 'a plain string', stack_trace: '' },
    { error_type: 'Custom', message: 'plain object' }
  ])
  t.equal(errorsOf(handled).length, 3, 'a symbol is ignored, not thrown')
})

test('100 concurrent requests each carry exactly their own error', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/work/:n', async (request) => {
      const n = (request.params as { n: string }).n
      await new Promise((resolve) => setTimeout(resolve, Number(n) % 7))
      request.apitoolkit.reportError(new Error(`error of request ${n}`))
      return { n }
    })
  })
  const ids = Array.from({ length: 100 }, (_, i) => String(i))
  await Promise.all(ids.map(async (n) => (await get(`${h.url}/work/${n}`, n)).text()))
  const spans = await h.closeApp()
  t.equal(spans.length, 100)
  for (const n of ids) {
    const errors = errorsOf(spanFor(spans, n))
    if (errors.length !== 1 || errors[0].message !== `error of request ${n}`) {
      t.fail(`request ${n} carries ${JSON.stringify(errors.map((x) => x.message))}`)
    }
  }
  t.pass('every span carries only its own error')
})

test('sensitive headers are redacted by name, in requests and responses', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/login', async (_request, reply) => {
      reply.header('set-cookie', ['session=abc; HttpOnly', 'theme=dark'])
      reply.header('X-Api-Key', 'response-secret')
      reply.header('x-visible', 'fine')
      return { ok: true }
    })
  }, { redactHeaders: ['X-API-Key'] })
  await (await get(`${h.url}/login`, 'login', {
    Authorization: 'Bearer secret-token',
    Cookie: 'session=abc',
    'Proxy-Authorization': 'Basic xyz',
    'x-api-key': 'request-secret',
    'x-visible': 'ok'
  })).text()
  const spans = await h.closeApp()
  const a = spanFor(spans, 'login').attributes
  for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) {
    t.equal(a[`http.request.header.${name}`], '[CLIENT_REDACTED]', `request ${name}`)
  }
  t.equal(a['http.response.header.set-cookie'], '[CLIENT_REDACTED]')
  t.equal(a['http.response.header.x-api-key'], '[CLIENT_REDACTED]')
  t.equal(a['http.request.header.x-visible'], 'ok')
  t.equal(a['http.response.header.x-visible'], 'fine')
  const all = JSON.stringify(spans, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)
  for (const secret of ['secret-token', 'session=abc', 'Basic xyz', 'request-secret', 'response-secret']) {
    t.notOk(all.includes(secret), `${secret} never leaves`)
  }
})

test('an incoming traceparent continues that trace', async (t) => {
  const h = await startHarness(t, (app) => { app.get('/', async () => 'ok') })
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
  const parentId = '00f067aa0ba902b7'
  await (await get(`${h.url}/`, 'traced', { traceparent: `00-${traceId}-${parentId}-01` })).text()
  const s = spanFor(await h.closeApp(), 'traced')
  t.equal(s.traceId, traceId)
  t.equal(s.parentSpanId, parentId)
})

test('bodies are cut to maxBodyBytes; streamed responses are not captured', async (t) => {
  const { Readable } = await import('node:stream')
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
    app.get('/stream', async (_request, reply) => reply.type('text/plain').send(Readable.from(['a', 'b', 'c'])))
  }, { captureRequestBody: true, captureResponseBody: true, maxBodyBytes: 10 })
  await (await post(`${h.url}/echo`, 'long', JSON.stringify({ text: 'x'.repeat(100) }))).text()
  t.equal(await (await get(`${h.url}/stream`, 'stream')).text(), 'abc')
  const spans = await h.closeApp()
  const long = spanFor(spans, 'long').attributes
  t.equal(decodeBase64(long['http.request.body']), '{"text":"x')
  t.equal(decodeBase64(long['http.response.body']), '{"text":"x')
  t.equal(spanFor(spans, 'stream').attributes['http.response.body'], '')
})

test('a request the client aborts still gets its span, with an error', async (t) => {
  const http = await import('node:http')
  let markArrived: () => void = () => {}
  const arrived = new Promise<void>((resolve) => { markArrived = resolve })
  const h = await startHarness(t, (app) => {
    app.get('/slow', async () => {
      markArrived()
      await new Promise((resolve) => setTimeout(resolve, 300))
      return { late: true }
    })
  })
  const req = http.get(`${h.url}/slow`, { headers: { 'x-test-id': 'aborted' } })
  req.on('error', () => {})
  await arrived
  req.destroy()
  await new Promise((resolve) => setTimeout(resolve, 400))
  const s = spanFor(await h.closeApp(), 'aborted')
  t.equal(s.attributes['http.response.status_code'], 0)
  t.match(errorsOf(s), [{ message: /aborted/ }])
})

test('a request that times out gets its span', async (t) => {
  const net = await import('node:net')
  const h = await startHarness(t, (app) => {
    app.post('/upload', async () => ({ ok: true }))
  }, {}, { connectionTimeout: 200 })
  const { port } = new URL(h.url)
  // Headers promise a body that never comes: the server gives up on the connection.
  const socket = net.connect(Number(port), '127.0.0.1')
  socket.on('error', () => {})
  socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nx-test-id: timeout\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":')
  await new Promise((resolve) => socket.on('close', resolve))
  const s = spanFor(await h.closeApp(), 'timeout')
  t.equal(s.attributes['http.route'], '/upload')
  t.equal(s.attributes['http.response.status_code'], 0)
  t.match(errorsOf(s), [{ message: 'connection timed out' }])
})

test('app.close() right after a burst delivers every span', async (t) => {
  const h = await startHarness(t, (app) => { app.get('/n/:n', async () => ({ ok: true })) })
  await Promise.all(Array.from({ length: 300 }, async (_, i) => (await get(`${h.url}/n/${i}`, String(i))).text()))
  const spans = await h.closeApp()
  t.equal(spans.length, 300, 'no span waits for the batch timer or is lost')
})

test('ignoreRoutes: no span for those routes, and request.apitoolkit still works there', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/health', async (request) => {
      request.apitoolkit.reportError(new Error('ignored'))
      reportError(request, new Error('ignored too'))
      return { ok: typeof request.apitoolkit.observe.get === 'function' }
    })
    app.get('/static/*', async () => 'file')
    app.get('/users/:id', async () => ({ ok: true }))
  }, { ignoreRoutes: ['/health', '/static/app.js'] })
  t.same(await (await get(`${h.url}/health`, 'health')).json(), { ok: true })
  t.equal(await (await get(`${h.url}/static/app.js?v=2`, 'static')).text(), 'file')
  t.equal((await get(`${h.url}/users/1`, 'traced')).status, 200)
  const spans = await h.closeApp()
  t.same(spans.map((s) => s.attributes['http.request.header.x-test-id']), ['traced'])
})

test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES reach the resource of the plugin own pipeline', async (t) => {
  const saved = { ...process.env }
  t.teardown(() => { process.env = saved })
  process.env.OTEL_SERVICE_NAME = 'from-env-service'
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'at-project-key=env-key,deployment.environment=staging'
  const h = await startHarness(t, (app) => { app.get('/', async () => 'ok') }, { serviceName: undefined })
  await (await get(`${h.url}/`, 'env')).text()
  const s = spanFor(await h.closeApp(), 'env')
  t.match(s.resource, { 'service.name': 'from-env-service', 'at-project-key': 'env-key', 'deployment.environment': 'staging' })
  t.equal(s.scope.name, 'from-env-service', 'the tracer is named after the service')
})

test('OTEL_EXPORTER_OTLP_ENDPOINT is where the spans go when otlpEndpoint is not given', async (t) => {
  const { startCollector } = await import('../lib/collector/collector-server')
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint
  t.teardown(() => { if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT; else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved })
  const Fastify = (await import('fastify')).default
  const apitoolkit = (await import('..')).default
  const app = Fastify()
  await app.register(apitoolkit)
  app.get('/', async () => 'ok')
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  await (await get(`${url}/`, 'endpoint-env')).text()
  await app.close()
  t.equal(collector.spans.length, 1)
  t.equal(collector.spans[0].attributes['http.request.header.x-test-id'], 'endpoint-env')
})
