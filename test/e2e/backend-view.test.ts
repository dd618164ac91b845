// What APItoolkit's backend sees: spans received over real gRPC, decoded with the official protos, then
// read the way the backend reads them (bodies: base64 then JSON; errors: `exception` events only;
// status codes inside 100–599; outgoing calls: CLIENT spans).
import { test } from 'tap'
import { request as httpRequest } from 'node:http'
import { parse as parseQuery } from 'node:querystring'
import Fastify from 'fastify'
import apitoolkit from '../..'
import { startOfficialReceiver, type DecodedSpan } from '../helpers/official-receiver'
import { startUpstream } from '../helpers/upstream'

function bodyJson (span: DecodedSpan, attribute: 'http.request.body' | 'http.response.body'): unknown {
  const value = span.attributes[attribute]
  if (typeof value !== 'string' || value === '') return undefined
  const text = Buffer.from(value, 'base64').toString('utf8')
  return JSON.parse(text)
}

function byTestId (spans: DecodedSpan[], id: string): DecodedSpan {
  const found = spans.filter((s) => s.attributes['http.request.header.x-test-id'] === id && s.attributes['apitoolkit.sdk_type'] === 'JsFastify')
  if (found.length !== 1) throw new Error(`expected one span for ${id}, found ${found.length}`)
  return found[0]
}

test('the backend view of a day of traffic', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const upstream = await startUpstream(t)
  const app = Fastify()
  await app.register(apitoolkit, {
    otlpEndpoint: receiver.endpoint,
    apiKey: 'project-key',
    serviceName: 'backend-view',
    captureRequestBody: true,
    captureResponseBody: true,
    redactRequestBody: ['$.password'],
    maxBodyBytes: 65536
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => { done(null, parseQuery(String(body))) })
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  app.post('/echo', async (request) => request.body)
  app.post('/form', async () => ({ ok: true }))
  app.post('/note', async () => ({ ok: true }))
  app.get('/text', async (_request, reply) => reply.type('text/plain').send('plain words, not JSON'))
  app.get('/fail', async () => {
    throw new Error('order not placed', { cause: new TypeError('card declined') })
  })
  app.register(async (guarded) => {
    guarded.addHook('onRequest', async () => {
      throw Object.assign(new Error('no token'), { statusCode: 401 })
    })
    guarded.get('/private', async () => 'never')
  })
  app.get('/handled', async (request) => {
    request.apitoolkit.reportError(new RangeError('retry later'))
    return { ok: true }
  })
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300))
    return { late: true }
  })
  app.get('/calls-out', async (request) => {
    const res = await request.apitoolkit.observe.get(`${upstream.url}/items/7`, { urlWildcard: '/items/:id' })
    return await res.json()
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })

  const big = { items: Array.from({ length: 9000 }, (_, i) => ({ sku: `SKU-${i}`, name: 'Widget, blue — large', price: i * 1.5 })) }
  const bigText = JSON.stringify(big)
  t.ok(bigText.length > 500_000, 'a body of more than 500 KB')
  const send = async (path: string, init: RequestInit & { id: string }): Promise<number> => {
    const res = await fetch(`${url}${path}`, { ...init, headers: { ...init.headers, 'x-test-id': init.id } })
    await res.arrayBuffer()
    return res.status
  }
  t.equal(await send('/echo', { id: 'big', method: 'POST', headers: { 'content-type': 'application/json' }, body: bigText }), 200)
  t.equal(await send('/form', { id: 'form', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&a=2&password=hunter2' }), 200)
  t.equal(await send('/note', { id: 'note', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'password: hunter2' }), 200)
  t.equal(await send('/text', { id: 'text' }), 200)
  t.equal(await send('/fail', { id: 'fail' }), 500)
  t.equal(await send('/private', { id: 'private' }), 401)
  t.equal(await send('/handled', { id: 'handled' }), 200)
  t.equal(await send('/calls-out', { id: 'out' }), 200)
  await new Promise<void>((resolve) => {
    const req = httpRequest(`${url}/slow`, { headers: { 'x-test-id': 'abort' } })
    req.on('error', () => resolve())
    req.end()
    setTimeout(() => { req.destroy(); setTimeout(resolve, 400) }, 50)
  })
  await app.close()
  const spans = receiver.spans

  t.test('every captured body is a JSON document', async (t) => {
    for (const span of spans) {
      for (const attribute of ['http.request.body', 'http.response.body'] as const) {
        const value = span.attributes[attribute]
        if (value === '' || value === undefined) continue
        t.doesNotThrow(() => bodyJson(span, attribute), `${String(span.attributes['http.target'])} ${attribute} parses`)
      }
    }
    const bigSpan = byTestId(spans, 'big')
    const kept = bodyJson(bigSpan, 'http.request.body') as { items: unknown[] }
    const bytes = Buffer.from(String(bigSpan.attributes['http.request.body']), 'base64').length
    t.ok(bytes <= 65536 && bytes > 60_000, `the 500 KB body is cut to ${bytes} bytes, within maxBodyBytes`)
    t.ok(kept.items.length > 100 && kept.items.length < 9000, `structurally: ${kept.items.length} whole items of 9000`)
    t.same(kept.items.slice(0, 3), big.items.slice(0, 3), 'every value kept is a value of the original')
    t.same(bodyJson(byTestId(spans, 'form'), 'http.request.body'), { a: ['1', '2'], password: '[CLIENT_REDACTED]' }, 'a form body is an object of string arrays, redactable by path')
    t.equal(bodyJson(byTestId(spans, 'note'), 'http.request.body'), '[CLIENT_REDACTED]', 'text with body paths configured: the marker, as a JSON string')
    t.equal(bodyJson(byTestId(spans, 'text'), 'http.response.body'), 'plain words, not JSON', 'text without paths: a JSON string of the text')
  })

  t.test('every error is an exception event', async (t) => {
    const events = (id: string): DecodedSpan['events'] => byTestId(spans, id).events.filter((e) => e.name === 'exception')
    const [thrown] = events('fail')
    t.equal(thrown?.attributes['exception.type'], 'Error')
    t.equal(thrown?.attributes['exception.message'], 'order not placed')
    t.match(thrown?.attributes['exception.stacktrace'], /^Error: order not placed\n\s+at [^]*\nCaused by: TypeError: card declined$/)
    const fail = byTestId(spans, 'fail')
    t.same(fail.status, { code: 2, message: 'order not placed' }, 'a 500 has status ERROR with the error message')
    t.equal(events('private')[0]?.attributes['exception.message'], 'no token', 'an onRequest hook error (401)')
    t.equal(byTestId(spans, 'private').status.code, 0, 'a 4xx leaves the status unset')
    t.equal(events('handled')[0]?.attributes['exception.type'], 'RangeError', 'a reported error')
    const abort = byTestId(spans, 'abort')
    t.equal(abort.attributes['http.response.status_code'], 499, 'an aborted request is 499')
    t.equal(abort.events[0]?.attributes['exception.type'], 'RequestAbortedError')
    t.same(JSON.parse(String(fail.attributes['apitoolkit.errors']))[0].root_error_message, 'card declined', 'apitoolkit.errors stays for older readers')
  })

  t.test('names, kinds and statuses', async (t) => {
    for (const span of spans) {
      t.equal(span.name, 'monoscope.http')
      const status = span.attributes['http.response.status_code']
      t.ok(typeof status === 'number' && status >= 100 && status <= 599, `status ${String(status)} is one the backend counts`)
    }
    const out = spans.filter((s) => s.attributes['apitoolkit.sdk_type'] === 'JsOutgoing')
    t.equal(out.length, 1, 'one outgoing span')
    const parent = byTestId(spans, 'out')
    t.equal(out[0].kind, 3, 'CLIENT')
    t.equal(out[0].parentSpanId, parent.spanId, 'a child of the request span')
    t.equal(out[0].traceId, parent.traceId)
    t.equal(out[0].attributes['apitoolkit.parent_id'], parent.attributes['apitoolkit.msg_id'])
    t.equal(out[0].attributes['http.route'], '/items/:id')
    t.same(bodyJson(out[0], 'http.response.body'), { id: '7', name: 'widget', token: 'tok-secret' }, 'the upstream\'s JSON answer')
    t.equal(parent.kind, 2, 'the request span is SERVER')
  })

  t.test('the resource and scope', async (t) => {
    const resource = spans[0].resource
    t.equal(resource['service.name'], 'backend-view')
    t.equal(resource['at-project-key'], 'project-key')
    t.equal(resource['telemetry.sdk.language'], 'nodejs')
    t.equal(resource['telemetry.sdk.name'], 'apitoolkit-fastify')
    t.equal(spans[0].scope.name, 'apitoolkit-fastify')
    t.equal(spans[0].scope.version, (require('../../package.json') as { version: string }).version)
  })
})
