// Hostile input is served exactly as Fastify alone serves it, gets its span, and leaks nothing.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { reportError } from '../../..'
import { startBare } from '../../helpers/bare'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { rawRequest, type RawResponse } from '../../helpers/raw'
import { isStructuralPrefix } from '../../unit/body/prefix'

const MAX = 1024

function routes (app: FastifyInstance): void {
  app.post('/echo', async (request) => request.body ?? null)
  app.post('/echo/*', async (request) => ({ body: request.body ?? null }))
  app.get('/path/*', async (request) => ({ params: request.params, query: request.query }))
  app.get('/headers', async (request) => ({ count: Object.keys(request.headers).length }))
}

const json = { 'content-type': 'application/json' }
const deep = '['.repeat(5000) + ']'.repeat(5000)
const manyHeaders = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-h-${i}`, `v${i}`]))
const exactly = JSON.stringify({ pad: 'x'.repeat(MAX - 10) })
const multipart = '--b\r\ncontent-disposition: form-data; name="f"; filename="a.txt"\r\ncontent-type: text/plain\r\n\r\nsecret-file\r\n--b--\r\n'

const inputs: Array<[string, string, string, Record<string, string>, Buffer | string | undefined]> = [
  ['proto', 'POST', '/echo', json, '{"__proto__":{"polluted":"yes"},"password":"proto-secret"}'],
  ['constructor', 'POST', '/echo', json, '{"constructor":{"prototype":{"polluted":"yes"}},"password":"ctor-secret"}'],
  ['deep', 'POST', '/echo', json, deep],
  ['bad-utf8', 'POST', '/echo', json, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ['exact', 'POST', '/echo', json, exactly],
  ['one-more', 'POST', '/echo', json, JSON.stringify({ pad: 'x'.repeat(MAX - 9) })],
  ['empty-json', 'POST', '/echo', json, ''],
  ['multipart', 'POST', '/echo', { 'content-type': 'multipart/form-data; boundary=b' }, multipart],
  ['many-headers', 'GET', '/headers', manyHeaders, undefined],
  ['long-header', 'GET', '/headers', { 'x-long': 'L'.repeat(12_000) }, undefined],
  ['percent', 'GET', '/path/%E2%9C%93/%zz?q=%zz&r=%E0%A4%A&s=%F0%9F%98%80', {}, undefined]
]

async function serveAll (base: string): Promise<Record<string, RawResponse>> {
  const out: Record<string, RawResponse> = {}
  for (const [id, method, path, headers, body] of inputs) {
    out[id] = await rawRequest(base, method, path, { ...headers, 'x-test-id': id }, body)
  }
  return out
}

test('hostile input: same response as Fastify alone, a span each, no pollution, no leak', async (t) => {
  const bareUrl = await startBare(t, routes)
  const h = await startHarness(t, routes, {
    captureRequestBody: true,
    captureResponseBody: true,
    maxBodyBytes: MAX,
    redactRequestBody: ['$.password', '$.__proto__', '$.constructor'],
    redactResponseBody: ['$.password']
  })
  const expected = await serveAll(bareUrl)
  const actual = await serveAll(h.url)
  for (const [id] of inputs) {
    t.equal(actual[id].status, expected[id].status, `${id}: status`)
    t.same(actual[id].headers, expected[id].headers, `${id}: headers`)
    t.ok(actual[id].body.equals(expected[id].body), `${id}: body`)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')

  const spans = await h.closeApp()
  t.equal(spans.length, inputs.length, 'one span per request')
  for (const [id] of inputs) {
    const a = spanFor(spans, id).attributes
    t.equal(a['http.response.status_code'], actual[id].status, `${id}: the span has the status the client got`)
    for (const name of ['http.request.body', 'http.response.body']) {
      if (a[name] === '') continue
      const text = decodeBase64(a[name])
      t.ok(Buffer.byteLength(text) <= MAX, `${id}: ${name} fits maxBodyBytes`)
      t.doesNotThrow(() => JSON.parse(text), `${id}: ${name} is a JSON document`)
    }
  }

  const exact = spanFor(spans, 'exact').attributes
  t.equal(Buffer.from(String(exact['http.request.body']), 'base64').length, MAX, 'a body of exactly maxBodyBytes is kept whole')
  t.equal(decodeBase64(exact['http.request.body']), exactly)
  const oneMore = decodeBase64(spanFor(spans, 'one-more').attributes['http.request.body'])
  t.equal(Buffer.byteLength(oneMore), MAX, 'one byte more is cut to maxBodyBytes, its string shortened to fill it')
  t.ok(isStructuralPrefix(JSON.parse(oneMore), { pad: 'x'.repeat(MAX - 9) }), 'a structural prefix of the body')
  const deepCut = decodeBase64(spanFor(spans, 'deep').attributes['http.request.body'])
  t.ok(deepCut.startsWith('[[[') && isStructuralPrefix(JSON.parse(deepCut), JSON.parse(deep)), 'a deep body: its outer levels, closed')
  t.equal(decodeBase64(spanFor(spans, 'bad-utf8').attributes['http.request.body']), '{"a":"\uFFFD\uFFFD"}', 'invalid UTF-8 as Node decodes it for the app')
  for (const id of ['proto', 'constructor', 'empty-json', 'multipart']) {
    t.equal(spanFor(spans, id).attributes['http.request.body'], '', `${id}: refused by Fastify's parser, so nothing to capture`)
  }

  const many = spanFor(spans, 'many-headers').attributes
  const kept = Array.from({ length: 150 }, (_, i) => i).filter((i) => many[`http.request.header.x-h-${i}`] === `v${i}`)
  t.equal(kept.length, 150, 'every one of 150 headers is an attribute')
  t.equal(spanFor(spans, 'long-header').attributes['http.request.header.x-long'], 'L'.repeat(12_000))
  t.equal(spanFor(spans, 'percent').attributes['http.target'], '/path/%E2%9C%93/%zz?q=%zz&r=%E0%A4%A&s=%F0%9F%98%80')

  const exported = JSON.stringify(spans, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)
  const decoded = spans.map((s) => decodeBase64(s.attributes['http.request.body']) + decodeBase64(s.attributes['http.response.body'])).join('\n')
  for (const secret of ['proto-secret', 'ctor-secret', 'secret-file']) {
    t.notOk(exported.includes(secret) || decoded.includes(secret), `${secret} never leaves`)
  }
})

/** An object every read of which throws, as a revoked Proxy or a broken ORM record does. */
function unreadable (): Record<string, string> {
  return new Proxy({}, {
    get () { throw new Error('property read exploded') },
    ownKeys () { throw new Error('key listing exploded') }
  })
}

/** An Error whose message throws when read. */
function errorWithUnreadableMessage (): Error {
  return Object.defineProperty(new Error('placeholder'), 'message', { get () { throw new Error('message read exploded') } })
}

/** Routes that hand unreadable values to request.apitoolkit; undefined on the bare app, so they do nothing there. */
function facadeRoutes (app: FastifyInstance): void {
  app.get('/report-unreadable', async (request) => {
    reportError(request, unreadable())
    return { ok: true }
  })
  app.get('/report-unreadable-message', async (request) => {
    request.apitoolkit?.reportError(errorWithUnreadableMessage())
    return { ok: true }
  })
  app.get('/set-user', async (request) => {
    request.apitoolkit?.setUser(unreadable())
    return { ok: true }
  })
  app.get('/set-tenant', async (request) => {
    request.apitoolkit?.setTenant(unreadable())
    return { ok: true }
  })
  app.get('/set-attributes', async (request) => {
    request.apitoolkit?.setAttributes(unreadable())
    return { ok: true }
  })
  app.get('/set-attributes-getter', async (request) => {
    request.apitoolkit?.setAttributes({ get plan (): string { throw new Error('attribute read exploded') } })
    return { ok: true }
  })
}

const FACADE_PATHS = ['/report-unreadable', '/report-unreadable-message', '/set-user', '/set-tenant', '/set-attributes', '/set-attributes-getter']

test('unreadable values given to request.apitoolkit: each request served as without the plugin, with its span', async (t) => {
  const bareUrl = await startBare(t, facadeRoutes)
  const h = await startHarness(t, facadeRoutes)
  for (const path of FACADE_PATHS) {
    const expected = await rawRequest(bareUrl, 'GET', path, { 'x-test-id': path })
    const actual = await rawRequest(h.url, 'GET', path, { 'x-test-id': path })
    t.equal(actual.status, expected.status, `${path}: status`)
    t.same(actual.headers, expected.headers, `${path}: headers`)
    t.ok(actual.body.equals(expected.body), `${path}: body`)
  }
  const spans = await h.closeApp()
  t.equal(spans.length, FACADE_PATHS.length, 'one span per request')
  for (const path of FACADE_PATHS) {
    t.equal(spanFor(spans, path).attributes['http.response.status_code'], 200, `${path}: the span has the status the client should get`)
  }
})
