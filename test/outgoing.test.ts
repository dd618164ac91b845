// request.apitoolkit.observe and observeRequest against a real upstream on 127.0.0.1, through a real
// Fastify app with the plugin, spans captured in memory from the global provider.
import { test } from 'tap'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { FastifyRequest } from 'fastify'
import type { ObserveClient, ObserveOptions } from '../types/index'
import type { RequestTrace } from '../lib/request/request-trace'
import { createObserveClient } from '../lib/outgoing/observe-client'
import {
  attr, bigBody, call, closedPort, decode, errorsOf, installTracing, REDACTED, spansOfRequest, startApp, startUpstream,
  STREAM_PARTS, UUID_V4
} from './helpers/outgoing'

// lib/index.ts builds its exports with module.exports, which TypeScript does not see as typed exports.
const { observeRequest } = require('../lib/index') as { observeRequest: (request: FastifyRequest, options?: ObserveOptions) => ObserveClient }

const tracing = installTracing()

const PLUGIN_OPTIONS = {
  redactHeaders: ['x-secret'],
  redactRequestBody: ['$.password'],
  redactResponseBody: ['$.token']
}

/** Records what the global fetch rejects with, to prove the caller gets that very object. */
function spyOnFetchErrors (t: { teardown (fn: () => void): void }): unknown[] {
  const thrown: unknown[] = []
  const real = globalThis.fetch
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    try {
      return await real(...args)
    } catch (err) {
      thrown.push(err)
      throw err
    }
  }
  t.teardown(() => { globalThis.fetch = real })
  return thrown
}

test('GET: one CLIENT span, child of the request span, every attribute; headers redacted only in the span', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, PLUGIN_OPTIONS, (a) => {
    a.get('/get', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/42?x=1&x=2`, {
        headers: { authorization: 'Bearer s3cret', 'x-secret': 'plugin-listed', 'x-call-secret': 'call-listed', 'x-plain': 'visible' },
        redactHeaders: ['X-Call-Secret']
      })
      return { status: res.status, body: await res.json() }
    })
  })
  const answer = await call(app, '/get', 'get')
  t.same(answer.body, { status: 200, body: { id: '42', name: 'widget', token: 'tok-secret' } }, 'the caller reads the real body')

  const { incoming, outgoing } = await spansOfRequest(tracing, 'get', 1)
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  t.equal(s.name, 'apitoolkit-http-span')
  t.equal(s.kind, SpanKind.CLIENT)
  t.equal(s.status.code, SpanStatusCode.UNSET)
  t.equal(s.spanContext().traceId, incoming.spanContext().traceId, 'same trace')
  t.equal(s.parentSpanContext?.spanId, incoming.spanContext().spanId, 'parent span is the request span')
  t.equal(attr(s, 'apitoolkit.parent_id'), attr(incoming, 'apitoolkit.msg_id'))
  t.match(attr(s, 'apitoolkit.msg_id'), UUID_V4)
  t.not(attr(s, 'apitoolkit.msg_id'), attr(incoming, 'apitoolkit.msg_id'), 'its own msg_id')
  t.equal(attr(s, 'apitoolkit.sdk_type'), 'JsOutgoing')
  t.equal(attr(s, 'net.host.name'), new URL(up.url).host, 'host with port')
  t.equal(attr(s, 'http.route'), '/items/42', 'the URL path without urlWildcard')
  t.equal(attr(s, 'http.target'), '/items/42?x=1&x=2')
  t.equal(attr(s, 'http.request.method'), 'GET')
  t.equal(attr(s, 'http.response.status_code'), 200)
  t.same(JSON.parse(String(attr(s, 'http.request.query_params'))), { x: ['1', '2'] })
  t.equal(attr(s, 'http.request.path_params'), '{}')
  t.equal(attr(s, 'http.request.body'), '')
  t.same(JSON.parse(decode(attr(s, 'http.response.body'))), { id: '42', name: 'widget', token: REDACTED }, 'plugin response list applies')
  t.equal(attr(s, 'apitoolkit.errors'), '[]')
  t.equal(attr(s, 'http.request.header.authorization'), REDACTED)
  t.equal(attr(s, 'http.request.header.x-secret'), REDACTED)
  t.equal(attr(s, 'http.request.header.x-call-secret'), REDACTED, 'per-call list, case-insensitive')
  t.equal(attr(s, 'http.request.header.x-plain'), 'visible')
  t.equal(attr(s, 'http.response.header.set-cookie'), REDACTED)
  t.equal(attr(s, 'http.response.header.x-upstream'), 'yes')
  t.equal(attr(s, 'http.response.header.content-type'), 'application/json')

  const got = up.one('/items/42?x=1&x=2')
  t.equal(got.headers.authorization, 'Bearer s3cret', 'the upstream gets the real values')
  t.equal(got.headers['x-secret'], 'plugin-listed')
  t.equal(got.headers['x-call-secret'], 'call-listed')
  const traceparent = String(got.headers.traceparent)
  t.equal(traceparent, `00-${incoming.spanContext().traceId}-${s.spanContext().spanId}-01`, 'traceparent names the outgoing span')
  t.equal(attr(s, 'http.request.header.traceparent'), traceparent, 'the span records the headers sent')
})

test('POST/PUT/PATCH: a plain object goes as JSON; bodies redacted with plugin + per-call lists', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, PLUGIN_OPTIONS, (a) => {
    a.get('/post', async (request) => {
      const { observe } = request.apitoolkit
      const body = { user: 'ann', password: 'pw', card: '4111' }
      const first = await observe.post(`${up.url}/echo?n=1`, body, { redactRequestBody: ['$.card'], redactResponseBody: ['$.method'] })
      const second = await observe.post(`${up.url}/echo?n=2`, body)
      const put = await observe.put(`${up.url}/echo?n=3`, '{"a":1}', { headers: { 'content-type': 'application/merge-patch+json' } })
      const patch = await observe.patch(`${up.url}/echo?n=4`, [1, 2])
      return Promise.all([first, second, put, patch].map(async (r) => ({ status: r.status, body: await r.json() })))
    })
  })
  const answer = await call(app, '/post', 'post')
  const json = JSON.stringify({ user: 'ann', password: 'pw', card: '4111' })
  t.same(answer.body, [
    { status: 201, body: { method: 'POST', contentType: 'application/json', body: json, token: 'tok-secret' } },
    { status: 201, body: { method: 'POST', contentType: 'application/json', body: json, token: 'tok-secret' } },
    { status: 201, body: { method: 'PUT', contentType: 'application/merge-patch+json', body: '{"a":1}', token: 'tok-secret' } },
    { status: 201, body: { method: 'PATCH', contentType: 'application/json', body: '[1,2]', token: 'tok-secret' } }
  ], 'the upstream got every body in clear, the caller every answer in clear')

  const { outgoing } = await spansOfRequest(tracing, 'post', 4)
  const byN = (n: string) => outgoing.find((s) => attr(s, 'http.target') === `/echo?n=${n}`)
  const first = byN('1')
  const second = byN('2')
  t.ok(first !== undefined && second !== undefined)
  if (first === undefined || second === undefined) return
  t.equal(attr(first, 'http.request.method'), 'POST')
  t.equal(attr(first, 'http.response.status_code'), 201)
  t.same(JSON.parse(decode(attr(first, 'http.request.body'))), { user: 'ann', password: REDACTED, card: REDACTED })
  t.equal(attr(first, 'http.request.header.content-type'), 'application/json')
  t.same(JSON.parse(decode(attr(first, 'http.response.body'))), { method: REDACTED, contentType: 'application/json', body: json, token: REDACTED })
  t.same(JSON.parse(decode(attr(second, 'http.request.body'))), { user: 'ann', password: REDACTED, card: '4111' }, 'a per-call list stays with its call')
  t.equal(JSON.parse(decode(attr(second, 'http.response.body'))).method, 'POST')
  t.equal(attr(byN('3') ?? first, 'http.request.method'), 'PUT')
  t.equal(attr(byN('4') ?? first, 'http.request.method'), 'PATCH')
  t.equal(decode(attr(byN('4') ?? first, 'http.request.body')), '[1,2]')
})

test('HEAD, DELETE, fetch(Request): methods and headers as sent; HEAD has no body', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/methods', async (request) => {
      const { observe } = request.apitoolkit
      const head = await observe.head(`${up.url}/items/1`)
      const del = await observe.delete(`${up.url}/echo?m=delete`)
      await del.text()
      const req = new Request(`${up.url}/echo?m=request`, { method: 'POST', headers: { 'x-from-request': 'r' }, body: 'raw' })
      const viaRequest = await observe.fetch(req, { urlWildcard: '/echo' })
      return { head: head.status, del: del.status, viaRequest: await viaRequest.json() }
    })
  })
  const answer = await call(app, '/methods', 'methods')
  t.same(answer.body, { head: 200, del: 201, viaRequest: { method: 'POST', contentType: 'text/plain;charset=UTF-8', body: 'raw', token: 'tok-secret' } })
  t.equal(up.one('/echo?m=request').headers['x-from-request'], 'r')
  t.ok(up.one('/echo?m=request').headers.traceparent, 'a Request input carries traceparent too')

  const { outgoing } = await spansOfRequest(tracing, 'methods', 3)
  const head = outgoing.find((s) => attr(s, 'http.request.method') === 'HEAD')
  const del = outgoing.find((s) => attr(s, 'http.request.method') === 'DELETE')
  const viaRequest = outgoing.find((s) => attr(s, 'http.request.method') === 'POST')
  t.equal(head !== undefined && attr(head, 'http.response.body'), '')
  t.equal(del !== undefined && attr(del, 'http.response.status_code'), 201)
  t.equal(viaRequest !== undefined && attr(viaRequest, 'http.route'), '/echo')
  t.equal(viaRequest !== undefined && attr(viaRequest, 'http.request.header.x-from-request'), 'r')
  t.equal(viaRequest !== undefined && attr(viaRequest, 'http.request.body'), '', 'a Request body is a stream: not read')
})

test('a binary body is recorded as sent, even when the caller reuses its buffer right after', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/binary', async (request) => {
      const buffer = Buffer.from('original')
      const pending = request.apitoolkit.observe.post(`${up.url}/echo?binary=1`, buffer)
      buffer.write('reused!!')
      return { status: (await pending).status }
    })
  })
  t.same((await call(app, '/binary', 'binary')).body, { status: 201 })
  t.equal(up.one('/echo?binary=1').body, 'original')
  const { outgoing } = await spansOfRequest(tracing, 'binary', 1)
  t.equal(decode(attr(outgoing[0], 'http.request.body')), 'original')
})

test('404 and 500 from upstream: status recorded, ERROR only for 5xx, the caller gets the bodies', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/statuses', async (request) => {
      const results = []
      for (const code of [404, 500]) {
        const res = await request.apitoolkit.observe.get(`${up.url}/status/${code}`)
        results.push({ status: res.status, body: await res.json() })
      }
      return results
    })
  })
  const answer = await call(app, '/statuses', 'statuses')
  t.same(answer.body, [{ status: 404, body: { status: 404 } }, { status: 500, body: { status: 500 } }])
  const { outgoing } = await spansOfRequest(tracing, 'statuses', 2)
  const s404 = outgoing.find((s) => attr(s, 'http.response.status_code') === 404)
  const s500 = outgoing.find((s) => attr(s, 'http.response.status_code') === 500)
  t.equal(s404?.status.code, SpanStatusCode.UNSET)
  t.equal(s500?.status.code, SpanStatusCode.ERROR)
  t.same(JSON.parse(decode(s500 === undefined ? '' : attr(s500, 'http.response.body'))), { status: 500 })
  t.equal(s500 === undefined ? undefined : attr(s500, 'apitoolkit.errors'), '[]', 'an HTTP status is not an error entry')
})

test('a redirect is followed: one span for the call, the URL asked for, the final status', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/redirect', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/redirect`)
      return { status: res.status, redirected: res.redirected, body: await res.json() }
    })
  })
  const answer = await call(app, '/redirect', 'redirect')
  t.same(answer.body, { status: 200, redirected: true, body: { id: '7', name: 'widget', token: 'tok-secret' } })
  const { outgoing } = await spansOfRequest(tracing, 'redirect', 1)
  t.equal(outgoing.length, 1)
  t.equal(attr(outgoing[0], 'http.target'), '/redirect')
  t.equal(attr(outgoing[0], 'http.response.status_code'), 200)
  t.ok(up.one('/items/7').headers.traceparent, 'the redirected request carries traceparent as well')
})

test('a streamed body reaches the caller chunk by chunk while the upstream still holds the rest', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/stream', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/stream`)
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      const first = await reader.read()
      // If the plugin waited for the whole body, this point would never be reached: the upstream waits for us.
      const heldWhenFirstRead = up.streamHeld
      up.releaseStream()
      let rest = ''
      for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value, { stream: true })
      return { heldWhenFirstRead, first: decoder.decode(first.value), rest }
    })
  })
  const answer = await call(app, '/stream', 'stream')
  t.same(answer.body, { heldWhenFirstRead: true, first: STREAM_PARTS[0], rest: STREAM_PARTS[1] + STREAM_PARTS[2] })
  const { outgoing } = await spansOfRequest(tracing, 'stream', 1)
  t.equal(decode(attr(outgoing[0], 'http.response.body')), STREAM_PARTS.join(''), 'the span copy holds the whole (small) body')
})

test('a body larger than maxBodyBytes: the caller gets all of it, the span a cut copy', async (t) => {
  const up = await startUpstream(t)
  const size = 300_000
  const app = await startApp(t, { maxBodyBytes: 1000 }, (a) => {
    a.get('/big', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/big?size=${size}`)
      const bytes = Buffer.from(await res.arrayBuffer())
      return { length: bytes.length, same: bytes.equals(bigBody(size)) }
    })
  })
  const answer = await call(app, '/big', 'big')
  t.same(answer.body, { length: size, same: true })
  const { outgoing } = await spansOfRequest(tracing, 'big', 1)
  const copy = Buffer.from(String(attr(outgoing[0], 'http.response.body')), 'base64')
  t.equal(copy.length, 1000)
  t.ok(copy.equals(bigBody(size).subarray(0, 1000)), 'the first maxBodyBytes bytes')
})

test('the span copy stops at maxBodyBytes: the span ends while the upstream still holds the rest', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { maxBodyBytes: 5 }, (a) => {
    a.get('/stream-cut', async (request) => {
      const msgId = (request.apitoolkit as RequestTrace).msgId
      const res = await request.apitoolkit.observe.get(`${up.url}/stream`)
      // Had the copy been read to the end, the span could not end before the release below: a deadlock.
      const spans = await tracing.until((all) => all.some((s) => attr(s, 'apitoolkit.parent_id') === msgId))
      const heldWhenEnded = up.streamHeld
      up.releaseStream()
      const text = await res.text()
      const span = spans.find((s) => attr(s, 'apitoolkit.parent_id') === msgId)
      return { heldWhenEnded, text, copy: span === undefined ? null : decode(attr(span, 'http.response.body')) }
    })
  })
  t.same((await call(app, '/stream-cut', 'stream-cut')).body, {
    heldWhenEnded: true, text: STREAM_PARTS.join(''), copy: STREAM_PARTS[0].slice(0, 5)
  })
})

test('a cut body that cannot be parsed is not sent in clear when response paths are configured', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { maxBodyBytes: 1000, redactResponseBody: ['$.token'] }, (a) => {
    a.get('/big-redacted', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/text-big?size=5000`)
      return { length: (await res.arrayBuffer()).byteLength }
    })
  })
  t.same((await call(app, '/big-redacted', 'big-redacted')).body, { length: 5000 })
  const { outgoing } = await spansOfRequest(tracing, 'big-redacted', 1)
  t.equal(decode(attr(outgoing[0], 'http.response.body')), REDACTED)
})

test('connection refused: the span has status 0 and the error; the caller gets the very same error', async (t) => {
  const thrown = spyOnFetchErrors(t)
  const port = await closedPort()
  const app = await startApp(t, {}, (a) => {
    a.get('/refused', async (request) => {
      try {
        await request.apitoolkit.observe.get(`http://127.0.0.1:${port}/items/1?q=1`)
        return { threw: false }
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } }
        return { threw: true, same: thrown.length === 1 && thrown[0] === err, name: e.name, code: e.cause?.code }
      }
    })
  })
  t.same((await call(app, '/refused', 'refused')).body, { threw: true, same: true, name: 'TypeError', code: 'ECONNREFUSED' })
  const { outgoing } = await spansOfRequest(tracing, 'refused', 1)
  const [s] = outgoing
  t.equal(attr(s, 'http.response.status_code'), 0)
  t.equal(s.status.code, SpanStatusCode.ERROR)
  t.equal(attr(s, 'net.host.name'), `127.0.0.1:${port}`)
  t.equal(attr(s, 'http.target'), '/items/1?q=1')
  t.match(errorsOf(s), [{ error_type: 'TypeError', message: 'fetch failed', root_error_message: /ECONNREFUSED/ }])
  t.ok(attr(s, 'http.request.header.traceparent'), 'trace context was injected')
})

test('a timeout and an abort: the span exists, the caller gets the original error', async (t) => {
  const thrown = spyOnFetchErrors(t)
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/timeout', async (request) => {
      const out: Array<{ name: string, same: boolean }> = []
      for (const signal of [AbortSignal.timeout(50), AbortSignal.abort(new Error('caller gave up'))]) {
        try {
          await request.apitoolkit.observe.get(`${up.url}/hang?signal=${out.length}`, { signal })
        } catch (err) {
          out.push({ name: (err as Error).name, same: thrown.includes(err) })
        }
      }
      return out
    })
  })
  t.same((await call(app, '/timeout', 'timeout')).body, [{ name: 'TimeoutError', same: true }, { name: 'Error', same: true }])
  const { outgoing } = await spansOfRequest(tracing, 'timeout', 2)
  const timedOut = outgoing.find((s) => attr(s, 'http.target') === '/hang?signal=0')
  const aborted = outgoing.find((s) => attr(s, 'http.target') === '/hang?signal=1')
  t.ok(timedOut !== undefined && aborted !== undefined)
  if (timedOut === undefined || aborted === undefined) return
  t.equal(attr(timedOut, 'http.response.status_code'), 0)
  t.match(errorsOf(timedOut), [{ error_type: 'DOMException', message: /timeout/ }])
  t.equal(attr(aborted, 'http.response.status_code'), 0)
  t.match(errorsOf(aborted), [{ error_type: 'Error', message: 'caller gave up' }])
})

test('100 concurrent requests × 3 calls: every outgoing span points at its own request', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/fan/:id', async (request) => {
      const { id } = request.params as { id: string }
      const responses = await Promise.all([0, 1, 2].map((k) => request.apitoolkit.observe.get(`${up.url}/items/${id}?k=${k}`)))
      return Promise.all(responses.map(async (r) => (await r.json() as { id: string }).id))
    })
  })
  const ids = Array.from({ length: 100 }, (_, i) => `fan-${i}`)
  const answers = await Promise.all(ids.map((id) => call(app, `/fan/${id}`, id)))
  t.same(answers.map((a) => a.body), ids.map((id) => [id, id, id]))

  let linked = 0
  for (const id of ids) {
    const { incoming, outgoing } = await spansOfRequest(tracing, id, 3)
    const ok = outgoing.length === 3 && outgoing.every((s) =>
      attr(s, 'http.route') === `/items/${id}` &&
      s.parentSpanContext?.spanId === incoming.spanContext().spanId &&
      s.spanContext().traceId === incoming.spanContext().traceId)
    if (ok) linked++
    const traceparents = [0, 1, 2].map((k) => String(up.one(`/items/${id}?k=${k}`).headers.traceparent))
    if (!traceparents.every((tp, k) => tp.split('-')[1] === incoming.spanContext().traceId &&
      outgoing.some((s) => attr(s, 'http.target') === `/items/${id}?k=${k}` && tp.split('-')[2] === s.spanContext().spanId))) {
      t.fail(`traceparent of ${id} does not match its spans`)
    }
  }
  t.equal(linked, 100, 'all 300 outgoing spans linked to their own request')
})

test('observeRequest(request, defaults): wildcard and lists apply to every call, per-call options add or win', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/defaults', async (request) => {
      const client = observeRequest(request, { urlWildcard: '/items/:id', redactHeaders: ['x-default-secret'] })
      const headers = { 'x-default-secret': 'd', 'x-call-secret': 'c' }
      const a1 = await client.get(`${up.url}/items/42`, { headers, redactHeaders: ['x-call-secret'] })
      const a2 = await client.get(`${up.url}/items/43/`, { headers, urlWildcard: '/items/:id/' })
      await Promise.all([a1.text(), a2.text()])
      return { ok: true }
    })
  })
  t.same((await call(app, '/defaults', 'defaults')).body, { ok: true })
  const { outgoing } = await spansOfRequest(tracing, 'defaults', 2)
  const s1 = outgoing.find((s) => attr(s, 'http.target') === '/items/42')
  const s2 = outgoing.find((s) => attr(s, 'http.target') === '/items/43/')
  t.ok(s1 !== undefined && s2 !== undefined)
  if (s1 === undefined || s2 === undefined) return
  t.equal(attr(s1, 'http.route'), '/items/:id')
  t.equal(attr(s1, 'http.request.path_params'), '{"id":"42"}')
  t.equal(attr(s1, 'http.request.header.x-default-secret'), REDACTED)
  t.equal(attr(s1, 'http.request.header.x-call-secret'), REDACTED)
  t.equal(attr(s2, 'http.route'), '/items/:id/', 'the call\'s wildcard wins')
  t.equal(attr(s2, 'http.request.path_params'), '{"id":"43"}')
  t.equal(attr(s2, 'http.request.header.x-default-secret'), REDACTED)
  t.equal(attr(s2, 'http.request.header.x-call-secret'), 'c', 'a per-call list stays with its call')
  t.equal(up.one('/items/42').headers['x-default-secret'], 'd')
})

test('the caller\'s init and headers are never changed; observe-only keys never reach fetch', async (t) => {
  const up = await startUpstream(t)
  let seenInit: Record<string, unknown> = {}
  const realFetch = globalThis.fetch
  t.teardown(() => { globalThis.fetch = realFetch })
  const app = await startApp(t, {}, (a) => {
    a.get('/untouched', async (request) => {
      const headers = new Headers({ 'x-mine': '1' })
      const init = { headers, urlWildcard: '/items/:id', redactHeaders: ['x-mine'] }
      globalThis.fetch = async (input, given) => {
        seenInit = { ...given }
        return await realFetch(input, given)
      }
      const res = await request.apitoolkit.observe.get(`${up.url}/items/5`, init)
      globalThis.fetch = realFetch
      await res.text()
      return { headers: [...headers.keys()], initKeys: Object.keys(init), sameHeaders: init.headers === headers }
    })
  })
  t.same((await call(app, '/untouched', 'untouched')).body, { headers: ['x-mine'], initKeys: ['headers', 'urlWildcard', 'redactHeaders'], sameHeaders: true })
  t.same(Object.keys(seenInit).sort(), ['headers', 'method'], 'fetch got no observe-only key')
  t.equal(up.one('/items/5').headers['x-mine'], '1')
})

test('without a trace the client is a plain fetch client', async (t) => {
  const up = await startUpstream(t)
  const client = createObserveClient(undefined, { urlWildcard: '/items/:id' })
  const res = await client.post(`${up.url}/echo?plain=1`, { a: 1 }, { redactRequestBody: ['$.a'] })
  t.equal(res.status, 201)
  t.same(await res.json(), { method: 'POST', contentType: 'application/json', body: '{"a":1}', token: 'tok-secret' })
  t.equal(up.one('/echo?plain=1').headers.traceparent, undefined, 'no span, no trace context')
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  await t.rejects(client.post(`${up.url}/echo`, cyclic), TypeError, 'a body JSON cannot encode rejects, it does not throw')
})

test('a failure inside the plugin never changes what the caller gets', async (t) => {
  const thrown = spyOnFetchErrors(t)
  const up = await startUpstream(t)
  const port = await closedPort()
  const failures: string[] = []
  const app = await startApp(t, {}, (a) => {
    a.get('/bug/:where', async (request) => {
      const inst = (request.apitoolkit as RequestTrace).instrumentation
      inst.fail = (_err, where) => { failures.push(where) }
      const tracer = inst.pipeline.tracer
      const realStart = tracer.startSpan
      const where = (request.params as { where: string }).where
      tracer.startSpan = where === 'start'
        ? () => { throw new Error('tracer bug') }
        : (...args) => {
            const span = realStart.apply(tracer, args)
            span.setAttributes = () => { throw new Error('attribute bug') }
            return span
          }
      try {
        const res = await request.apitoolkit.observe.get(`${up.url}/items/9`)
        const body = await res.json()
        let refused: unknown
        await request.apitoolkit.observe.get(`http://127.0.0.1:${port}/`).catch((err: unknown) => { refused = err })
        return { status: res.status, body, sameError: refused !== undefined && thrown.includes(refused) }
      } finally {
        tracer.startSpan = realStart
      }
    })
  })
  const expected = { status: 200, body: { id: '9', name: 'widget', token: 'tok-secret' }, sameError: true }
  t.same((await call(app, '/bug/start', 'bug-start')).body, expected)
  t.same((await call(app, '/bug/end', 'bug-end')).body, expected)
  t.ok(failures.includes('starting an outgoing span'), 'logged through instrumentation.fail')
  // The end of a span runs when its body copy is done: wait for that rather than for a time.
  while (failures.filter((f) => f === 'recording an outgoing call').length < 2) await new Promise((resolve) => setImmediate(resolve))
  t.pass('a failing end of span is logged for the answered call and the refused one')
})

test('an invalid per-call JSONPath: the call goes out, the body is replaced by the marker, the failure logged', async (t) => {
  const up = await startUpstream(t)
  const failures: string[] = []
  const app = await startApp(t, {}, (a) => {
    a.get('/bad-path', async (request) => {
      (request.apitoolkit as RequestTrace).instrumentation.fail = (_err, where) => { failures.push(where) }
      const res = await request.apitoolkit.observe.post(`${up.url}/echo?bad=1`, { a: 1 }, { redactRequestBody: ['$.a['] })
      return { status: res.status }
    })
  })
  t.same((await call(app, '/bad-path', 'bad-path')).body, { status: 201 })
  t.equal(up.one('/echo?bad=1').body, '{"a":1}')
  const { outgoing } = await spansOfRequest(tracing, 'bad-path', 1)
  t.equal(decode(attr(outgoing[0], 'http.request.body')), REDACTED)
  t.same(failures, ['compiling a per-call redactRequestBody list'])
})
