// Every path a request can take through Fastify gets one span, over real HTTP, exported by the plugin's
// own pipeline into a receiver that decodes with the official protos: one test per path, each checking
// every attribute that path sets.
import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { ApitoolkitOptions } from '../../..'
import { reportError } from '../../..'
import { errorsAgree, exceptionsOf } from '../../helpers/exceptions'
import { decodeBase64, errorsOf, spanFor, startHarness } from '../../helpers/harness'
import type { DecodedSpan } from '../../helpers/official-receiver'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version

/** The attributes every incoming span has, besides one per header (and those set through the facade). */
const FIXED = [
  'net.host.name', 'apitoolkit.msg_id', 'http.route', 'http.target', 'http.request.method',
  'http.response.status_code', 'http.request.query_params', 'http.request.path_params',
  'apitoolkit.sdk_type', 'apitoolkit.parent_id', 'http.request.body', 'http.response.body',
  'apitoolkit.errors', 'apitoolkit.service_version', 'apitoolkit.tags'
]

const OPTIONS: ApitoolkitOptions = {
  apiKey: 'key-123', serviceVersion: '2.3.0', tags: ['prod', 'eu'], captureRequestBody: true, captureResponseBody: true
}

class PaymentError extends Error {}
class AuthError extends Error { statusCode = 401 }
class ForbiddenError extends Error { statusCode = 403 }

function get (url: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { 'x-test-id': id, ...headers } })
}

function post (url: string, id: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'x-test-id': id, 'content-type': contentType }, body })
}

function json (value: unknown): unknown {
  return JSON.parse(String(value))
}

/** The errors Fastify handed to the app's own onError hook, by x-test-id: what the span must report. */
function watchErrors (app: FastifyInstance): Map<string, Error> {
  const seen = new Map<string, Error>()
  app.addHook('onError', async (request, _reply, error) => { seen.set(String(request.headers['x-test-id']), error) })
  return seen
}

function attributeNames (span: DecodedSpan): string[] {
  return Object.keys(span.attributes).filter((name) => !name.startsWith('http.request.header.') && !name.startsWith('http.response.header.')).sort()
}

test('a normal route: one SERVER span named monoscope.http with every attribute', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  }, OPTIONS)
  const res = await get(`${h.url}/users/5?q=1&q=2&r=x`, 'get')
  t.equal(res.status, 200)
  t.same(await res.json(), { id: '5' })
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const g = spanFor(spans, 'get')
  t.equal(g.name, 'monoscope.http')
  t.equal(g.kind, 2, 'kind SERVER')
  t.same(g.status, { code: 0, message: '' }, 'status unset below 500')
  t.ok(BigInt(g.endTimeUnixNano) > BigInt(g.startTimeUnixNano), 'has a duration')
  t.equal(g.parentSpanId, '', 'the root of a new trace')
  t.match(g.traceId, /^[0-9a-f]{32}$/)
  t.match(g.spanId, /^[0-9a-f]{16}$/)
  t.same(g.events, [], 'no exception event')
  t.same(g.scope, { name: 'apitoolkit-fastify', version: VERSION }, 'scope: the package and its version')
  t.match(g.resource, {
    'service.name': 'test-api',
    'service.version': '2.3.0',
    'at-project-key': 'key-123',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'apitoolkit-fastify',
    'telemetry.sdk.version': VERSION
  })
  t.same(attributeNames(g), [...FIXED].sort(), 'the fixed attributes, and no other besides the headers')
  const a = g.attributes
  t.equal(a['net.host.name'], '127.0.0.1')
  t.match(a['apitoolkit.msg_id'], UUID_V4)
  t.equal(a['http.route'], '/users/:id')
  t.equal(a['http.target'], '/users/5?q=1&q=2&r=x')
  t.equal(a['http.request.method'], 'GET')
  t.equal(a['http.response.status_code'], 200)
  t.same(json(a['http.request.query_params']), { q: ['1', '2'], r: ['x'] })
  t.same(json(a['http.request.path_params']), { id: '5' })
  t.equal(a['apitoolkit.sdk_type'], 'JsFastify')
  t.equal(a['apitoolkit.parent_id'], '')
  t.equal(a['http.request.body'], '', 'no request body on a GET')
  t.same(json(decodeBase64(a['http.response.body'])), { id: '5' })
  t.equal(a['apitoolkit.errors'], '[]')
  t.equal(a['apitoolkit.service_version'], '2.3.0')
  t.same(a['apitoolkit.tags'], ['prod', 'eu'])
  t.equal(a['http.request.header.x-test-id'], 'get')
  t.equal(a['http.request.header.host'], new URL(h.url).host)
  t.equal(a['http.response.header.content-type'], 'application/json; charset=utf-8')
  t.equal(a['http.response.header.content-length'], String(JSON.stringify({ id: '5' }).length))
})

test('a normal route with a body: the request and response bodies, path params, no query', async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/orders/:id', async (request, reply) => reply.code(201).send({ id: (request.params as { id: string }).id, body: request.body }))
  }, OPTIONS)
  const res = await post(`${h.url}/orders/42`, 'post', JSON.stringify({ item: 'book', qty: 2 }))
  t.equal(res.status, 201)
  t.same(await res.json(), { id: '42', body: { item: 'book', qty: 2 } })
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const p = spanFor(spans, 'post')
  t.equal(p.name, 'monoscope.http')
  t.equal(p.kind, 2, 'kind SERVER')
  t.same(p.status, { code: 0, message: '' })
  t.same(p.events, [])
  const a = p.attributes
  t.equal(a['http.route'], '/orders/:id')
  t.equal(a['http.target'], '/orders/42')
  t.equal(a['http.request.method'], 'POST')
  t.equal(a['http.response.status_code'], 201)
  t.same(json(a['http.request.path_params']), { id: '42' })
  t.equal(a['http.request.query_params'], '{}')
  t.same(json(decodeBase64(a['http.request.body'])), { item: 'book', qty: 2 })
  t.same(json(decodeBase64(a['http.response.body'])), { id: '42', body: { item: 'book', qty: 2 } })
  t.equal(a['http.request.header.content-type'], 'application/json')
  t.equal(a['apitoolkit.errors'], '[]')
})

test('no route matched (404): a span with route "/" and the target asked for', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/users/:id', async () => ({ ok: true }))
  }, OPTIONS)
  const res = await get(`${h.url}/nowhere?x=1`, 'missing')
  t.equal(res.status, 404)
  await res.arrayBuffer()
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const m = spanFor(spans, 'missing')
  t.equal(m.name, 'monoscope.http')
  t.equal(m.kind, 2)
  t.same(m.status, { code: 0, message: '' }, 'a 404 is no error of the server')
  t.same(m.events, [], 'and records no exception')
  const a = m.attributes
  t.equal(a['http.route'], '/')
  t.equal(a['http.response.status_code'], 404)
  t.equal(a['http.target'], '/nowhere?x=1')
  t.equal(a['http.request.method'], 'GET')
  t.same(json(a['http.request.query_params']), { x: ['1'] })
  t.equal(a['apitoolkit.errors'], '[]')
  t.match(json(decodeBase64(a['http.response.body'])), { statusCode: 404, error: 'Not Found' }, 'the response body Fastify sent')
})

test('a body that fails to parse (400): a span on the route, with the parse error', async (t) => {
  let seen = new Map<string, Error>()
  const h = await startHarness(t, (app) => {
    seen = watchErrors(app)
    app.post('/orders/:id', async () => ({ ok: true }))
  }, OPTIONS)
  const res = await post(`${h.url}/orders/1`, 'badjson', '{"item": ')
  t.equal(res.status, 400)
  await res.arrayBuffer()
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const bad = spanFor(spans, 'badjson')
  const thrown = seen.get('badjson')
  t.ok(thrown instanceof Error, 'Fastify reported the parse error')
  t.equal(bad.attributes['http.response.status_code'], 400)
  t.equal(bad.attributes['http.route'], '/orders/:id')
  t.equal(bad.attributes['http.request.body'], '', 'nothing parsed, nothing captured')
  t.match(errorsOf(bad), [{ error_type: String, message: /JSON/ }])
  t.equal(errorsOf(bad).length, 1)
  t.same(exceptionsOf(bad).map((e) => [e.type, e.message]), [[thrown?.constructor.name, thrown?.message]], 'the parse error as an exception event')
  errorsAgree(t, bad, 'badjson')
  t.same(bad.status, { code: 0, message: '' }, 'status unset: a 400 is the client\'s error')
})

test('a schema validation failure (400): the error, and the body as received', async (t) => {
  let seen = new Map<string, Error>()
  const h = await startHarness(t, (app) => {
    seen = watchErrors(app)
    app.post('/strict', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }))
  }, OPTIONS)
  const res = await post(`${h.url}/strict`, 'schema', JSON.stringify({ other: 1 }))
  t.equal(res.status, 400)
  await res.arrayBuffer()
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const schema = spanFor(spans, 'schema')
  const thrown = seen.get('schema')
  t.ok(thrown instanceof Error, 'Fastify reported the validation error')
  t.equal(schema.attributes['http.response.status_code'], 400)
  t.equal(schema.attributes['http.route'], '/strict')
  t.match(errorsOf(schema), [{ message: /name/ }])
  t.equal(errorsOf(schema).length, 1)
  t.same(exceptionsOf(schema).map((e) => [e.type, e.message]), [[thrown?.constructor.name, thrown?.message]], 'the validation error as an exception event')
  errorsAgree(t, schema, 'schema')
  t.same(json(decodeBase64(schema.attributes['http.request.body'])), { other: 1 }, 'body captured before validation')
  t.same(schema.status, { code: 0, message: '' })
})

test('an onRequest hook that answers 401 itself: a span on the route, no error', async (t) => {
  const h = await startHarness(t, (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-deny'] !== undefined) await reply.code(401).send({ error: 'unauthorized' })
    })
    app.get('/users/:id', async () => ({ ok: true }))
  }, OPTIONS)
  const res = await get(`${h.url}/users/1`, 'denied', { 'x-deny': '1' })
  t.equal(res.status, 401)
  t.same(await res.json(), { error: 'unauthorized' })
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const denied = spanFor(spans, 'denied')
  t.equal(denied.attributes['http.response.status_code'], 401)
  t.equal(denied.attributes['http.route'], '/users/:id')
  t.same(json(denied.attributes['http.request.path_params']), { id: '1' })
  t.same(json(decodeBase64(denied.attributes['http.response.body'])), { error: 'unauthorized' })
  t.equal(denied.attributes['apitoolkit.errors'], '[]')
  t.same(denied.events, [])
  t.same(denied.status, { code: 0, message: '' })
})

test('an onRequest hook that throws (401) and a preHandler hook that throws (403): each error in its span', async (t) => {
  const unauthenticated = new AuthError('no credentials')
  const forbidden = new ForbiddenError('not yours')
  const h = await startHarness(t, (app) => {
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-deny'] === 'onRequest') throw unauthenticated
    })
    app.addHook('preHandler', async (request) => {
      if (request.headers['x-deny'] === 'preHandler') throw forbidden
    })
    app.get('/users/:id', async () => ({ ok: true }))
  }, OPTIONS)
  const first = await get(`${h.url}/users/1`, 'on-request', { 'x-deny': 'onRequest' })
  const second = await get(`${h.url}/users/2`, 'pre-handler', { 'x-deny': 'preHandler' })
  t.same([first.status, second.status], [401, 403])
  await Promise.all([first.arrayBuffer(), second.arrayBuffer()])
  const spans = await h.closeApp()
  t.equal(spans.length, 2, 'one span per request')

  for (const [id, error, status, userId] of [['on-request', unauthenticated, 401, '1'], ['pre-handler', forbidden, 403, '2']] as const) {
    const s = spanFor(spans, id)
    t.equal(s.attributes['http.response.status_code'], status, `${id}: status`)
    t.equal(s.attributes['http.route'], '/users/:id', `${id}: route`)
    t.same(json(s.attributes['http.request.path_params']), { id: userId }, `${id}: path params`)
    t.match(errorsOf(s), [{ error_type: error.constructor.name, message: error.message, stack_trace: error.stack }], `${id}: apitoolkit.errors`)
    t.same(exceptionsOf(s).map((e) => [e.type, e.message, e.stacktrace]), [[error.constructor.name, error.message, error.stack]], `${id}: the exception event`)
    errorsAgree(t, s, id)
    t.same(s.status, { code: 0, message: '' }, `${id}: status unset below 500`)
  }
})

test('a handler that throws (500): status ERROR, the error with its causes', async (t) => {
  const thrown = new PaymentError('charge failed', { cause: new TypeError('card declined', { cause: new RangeError('limit reached') }) })
  const h = await startHarness(t, (app) => {
    app.get('/boom', async () => { throw thrown })
  }, OPTIONS)
  const res = await get(`${h.url}/boom`, 'boom')
  t.equal(res.status, 500)
  await res.arrayBuffer()
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const boom = spanFor(spans, 'boom')
  t.equal(boom.attributes['http.response.status_code'], 500)
  t.equal(boom.attributes['http.route'], '/boom')
  t.same(boom.status, { code: 2, message: 'charge failed' }, 'status ERROR with the error\'s message')
  const errors = errorsOf(boom)
  t.equal(errors.length, 1)
  const [e] = errors
  t.equal(e.error_type, 'PaymentError')
  t.equal(e.message, 'charge failed')
  t.equal(e.root_error_type, 'RangeError')
  t.equal(e.root_error_message, 'limit reached')
  t.equal(e.stack_trace, thrown.stack)
  t.match(e.stack_trace, /Error: charge failed\n\s+at /)
  t.ok(!Number.isNaN(Date.parse(e.when)) && e.when.endsWith('Z'), 'ISO-8601 time')
  const events = exceptionsOf(boom)
  t.equal(events.length, 1, 'one exception event')
  t.equal(events[0]?.type, 'PaymentError')
  t.equal(events[0]?.message, 'charge failed')
  t.equal(events[0]?.stacktrace, `${String(thrown.stack)}\nCaused by: TypeError: card declined\nCaused by: RangeError: limit reached`, 'the stack, then one line per cause')
  errorsAgree(t, boom, 'boom')
})

test('a 5xx sent without an error: status ERROR named after the status', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/busy', async (_request, reply) => reply.code(503).send({ retry: true }))
  }, OPTIONS)
  const res = await get(`${h.url}/busy`, 'busy')
  t.equal(res.status, 503)
  await res.arrayBuffer()
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')
  const busy = spanFor(spans, 'busy')
  t.equal(busy.attributes['http.response.status_code'], 503)
  t.same(busy.status, { code: 2, message: 'HTTP 503' })
  t.same(busy.events, [], 'no error was recorded')
  t.equal(busy.attributes['apitoolkit.errors'], '[]')
})

test('handled errors reported by the handler: every error-like value recorded, the rest ignored', async (t) => {
  const retry = new PaymentError('retry later')
  const thrownIntoHandler: unknown[] = []
  const h = await startHarness(t, (app) => {
    app.get('/handled', async (request) => {
      try {
        request.apitoolkit.reportError(retry)
        reportError(request, 'a plain string')
        reportError(request, { name: 'Custom', message: 'plain object' })
        reportError(request, Symbol('ignored'))
      } catch (err) {
        thrownIntoHandler.push(err)
      }
      return { ok: true }
    })
  }, OPTIONS)
  const res = await get(`${h.url}/handled`, 'handled')
  t.equal(res.status, 200)
  t.same(await res.json(), { ok: true })
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  t.same(thrownIntoHandler, [], 'reportError threw nothing into the handler')
  const handled = spanFor(spans, 'handled')
  t.equal(handled.attributes['http.response.status_code'], 200)
  t.same(handled.status, { code: 0, message: '' }, 'handled errors do not make a 200 an error')
  t.match(errorsOf(handled), [
    { error_type: 'PaymentError', message: 'retry later', root_error_type: 'PaymentError', stack_trace: retry.stack },
    { error_type: 'Error', message: 'a plain string', stack_trace: '' },
    { error_type: 'Custom', message: 'plain object', stack_trace: '' }
  ])
  t.equal(errorsOf(handled).length, 3, 'a symbol is ignored, not thrown')
  t.same(exceptionsOf(handled).map((e) => [e.type, e.message, e.stacktrace]), [
    ['PaymentError', 'retry later', retry.stack],
    ['Error', 'a plain string', 'Error: a plain string'],
    ['Custom', 'plain object', 'Custom: plain object']
  ], 'one exception event per reported error')
  errorsAgree(t, handled, 'handled')
})

test('a request the connection timeout closes: 408, with a ConnectionTimeoutError', async (t) => {
  const net = await import('node:net')
  const h = await startHarness(t, (app) => {
    app.post('/upload', async () => ({ ok: true }))
  }, OPTIONS, { connectionTimeout: 200 })
  const { port } = new URL(h.url)
  // Headers promise a body that never comes: the server gives up on the connection.
  const socket = net.connect(Number(port), '127.0.0.1')
  let answer = ''
  socket.on('data', (chunk: Buffer) => { answer += chunk.toString() })
  socket.on('error', () => {})
  socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nx-test-id: timeout\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"a":')
  await new Promise((resolve) => socket.on('close', resolve))
  t.equal(answer, '', 'the client got no response, the connection was closed')
  const spans = await h.closeApp()
  t.equal(spans.length, 1, 'one span for one request')

  const s = spanFor(spans, 'timeout')
  t.equal(s.attributes['http.route'], '/upload')
  t.equal(s.attributes['http.request.method'], 'POST')
  t.equal(s.attributes['http.response.status_code'], 408)
  t.match(errorsOf(s), [{ error_type: 'ConnectionTimeoutError', message: 'connection timed out' }])
  t.equal(errorsOf(s).length, 1)
  t.same(exceptionsOf(s).map((e) => [e.type, e.message]), [['ConnectionTimeoutError', 'connection timed out']])
  errorsAgree(t, s, 'timeout')
  t.same(s.status, { code: 0, message: '' }, 'status unset: 408 is below 500')
})

test('a request the client aborts before the response: 499, with a RequestAbortedError', async (t) => {
  const http = await import('node:http')
  let markArrived: () => void = () => {}
  const arrived = new Promise<void>((resolve) => { markArrived = resolve })
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => { release() })
  const h = await startHarness(t, (app) => {
    app.get('/slow/:id', async () => {
      markArrived()
      await released
      return { late: true }
    })
  }, OPTIONS)
  const req = http.get(`${h.url}/slow/7?via=test`, { headers: { 'x-test-id': 'aborted' } })
  req.on('error', () => {})
  await arrived
  req.destroy()
  // The span ends when the abort is seen, not when the handler returns: it arrives while the handler waits.
  const spans = await h.collector.until((all) => all.length > 0)
  t.equal(spans.length, 1, 'one span for one request')

  const s = spanFor(spans, 'aborted')
  t.equal(s.attributes['http.route'], '/slow/:id')
  t.equal(s.attributes['http.target'], '/slow/7?via=test')
  t.same(json(s.attributes['http.request.path_params']), { id: '7' })
  t.equal(s.attributes['http.response.status_code'], 499)
  t.match(errorsOf(s), [{ error_type: 'RequestAbortedError', message: 'request aborted by the client' }])
  t.equal(errorsOf(s).length, 1)
  t.same(exceptionsOf(s).map((e) => [e.type, e.message]), [['RequestAbortedError', 'request aborted by the client']])
  errorsAgree(t, s, 'aborted')
  t.same(s.status, { code: 0, message: '' })
  release()
  t.equal((await h.closeApp()).length, 1, 'the handler returning later adds no second span')
})

test('a request the client aborts after the headers were sent: the status sent, with a RequestAbortedError', async (t) => {
  const http = await import('node:http')
  const { PassThrough } = await import('node:stream')
  const body = new PassThrough()
  t.teardown(() => { body.end() })
  const h = await startHarness(t, (app) => {
    app.get('/download', async (_request, reply) => {
      body.write('first chunk')
      return reply.code(206).type('text/plain').send(body)
    })
  }, OPTIONS)
  const req = http.get(`${h.url}/download`, { headers: { 'x-test-id': 'cut-short' } })
  req.on('error', () => {})
  const status = await new Promise<number>((resolve) => {
    req.on('response', (res) => { res.once('data', () => { resolve(res.statusCode ?? 0); req.destroy() }) })
  })
  t.equal(status, 206, 'the client saw the headers and a first chunk')
  const spans = await h.collector.until((all) => all.length > 0)
  t.equal(spans.length, 1, 'one span for one request')

  const s = spanFor(spans, 'cut-short')
  t.equal(s.attributes['http.response.status_code'], 206, 'the status that was sent')
  t.equal(s.attributes['http.response.header.content-type'], 'text/plain')
  t.equal(s.attributes['http.response.body'], '', 'a stream is not captured')
  t.same(exceptionsOf(s).map((e) => [e.type, e.message]), [['RequestAbortedError', 'request aborted by the client']])
  errorsAgree(t, s, 'cut-short')
  t.same(s.status, { code: 0, message: '' })
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
    const span = spanFor(spans, n)
    const errors = errorsOf(span)
    if (errors.length !== 1 || errors[0].message !== `error of request ${n}`) {
      t.fail(`request ${n} carries ${JSON.stringify(errors.map((x) => x.message))} in apitoolkit.errors`)
    }
    const events = exceptionsOf(span)
    if (events.length !== 1 || events[0].message !== `error of request ${n}`) {
      t.fail(`request ${n} carries ${JSON.stringify(events.map((x) => x.message))} as exception events`)
    }
  }
  t.pass('every span carries only its own error')
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

test('no route matched (404): no path params, as the route "/" it is filed under has none', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/users/:id', async () => ({ ok: true }))
  }, OPTIONS)
  const res = await get(`${h.url}/nowhere/at/all`, 'missing')
  t.equal(res.status, 404)
  await res.arrayBuffer()
  const m = spanFor(await h.closeApp(), 'missing')
  t.equal(m.attributes['http.route'], '/')
  t.equal(m.attributes['http.request.path_params'], '{}', 'not the wildcard of Fastify\'s own 404 route')
})
