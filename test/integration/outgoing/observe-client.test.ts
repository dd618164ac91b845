// request.apitoolkit.observe and observeRequest against a real upstream on 127.0.0.1, through a real
// Fastify app with the plugin, spans read from a real OTLP/gRPC receiver.
import { test } from 'tap'
import type { FastifyRequest } from 'fastify'
import type { ObserveClient, ObserveOptions } from '../../../types/index'
import { createObserveClient } from '../../../lib/outgoing/observe-client'
import { recordOf } from '../../../lib/request/facade'
import type { RequestRecord } from '../../../lib/request/request-record'
import { within } from '../../helpers/deadline'
import { decodeBase64, errorsOf } from '../../helpers/harness'
import {
  call, exceptionsOf, KIND_CLIENT, outgoingTo, REDACTED, spansOfRequest, startApp, STATUS_ERROR, STATUS_UNSET,
  traceparentOf, UUID_V4, WITHHELD_BODY
} from '../../helpers/outgoing'
import { bigBody, bigJson, closedPort, headerLines, startUpstream, STREAM_PARTS } from '../../helpers/upstream'

// lib/index.ts builds its exports with module.exports, which TypeScript does not see as typed exports.
const { observeRequest } = require('../../../lib/index') as { observeRequest: (request: FastifyRequest, options?: ObserveOptions) => ObserveClient }

// Header names that no default rule redacts, so only the lists given here can.
const PLUGIN_OPTIONS = {
  redactHeaders: ['x-plugin-listed'],
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

function recordOfRequest (request: FastifyRequest): RequestRecord {
  const record = recordOf(request.apitoolkit)
  if (record === undefined) throw new Error('the plugin keeps no record for this request')
  return record
}

/** Failures the plugin reports, and a wait for a number of them. */
function failureRecorder (): { wheres: string[], report: (err: unknown, where: string) => void, reported: (where: string, count: number) => Promise<void> } {
  const wheres: string[] = []
  const waiters: Array<() => void> = []
  return {
    wheres,
    report (_err, where) {
      wheres.push(where)
      for (const wake of waiters.splice(0)) wake()
    },
    async reported (where, count) {
      while (wheres.filter((w) => w === where).length < count) await new Promise<void>((resolve) => { waiters.push(resolve) })
    }
  }
}

test('GET: one CLIENT span, child of the request span, every attribute; headers redacted only in the span', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, PLUGIN_OPTIONS, (a) => {
    a.get('/get', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/42?x=1&x=2`, {
        headers: { authorization: 'Bearer s3cret', 'x-plugin-listed': 'plugin-listed', 'x-call-listed': 'call-listed', 'x-plain': 'visible' },
        redactHeaders: ['X-Call-Listed']
      })
      return { status: res.status, body: await res.json() }
    })
  })
  const answer = await call(app, '/get', 'get')
  t.same(answer.body, { status: 200, body: { id: '42', name: 'widget', token: 'tok-secret' } }, 'the caller reads the real body')

  const { incoming, outgoing } = spansOfRequest(await app.closeApp(), 'get')
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  const attr = s.attributes
  t.equal(s.name, 'monoscope.http')
  t.equal(s.kind, KIND_CLIENT)
  t.same(s.status, { code: STATUS_UNSET, message: '' })
  t.same(s.events, [], 'no exception event')
  t.equal(s.traceId, incoming.traceId, 'same trace')
  t.equal(s.parentSpanId, incoming.spanId, 'parent span is the request span')
  t.equal(attr['apitoolkit.parent_id'], incoming.attributes['apitoolkit.msg_id'])
  t.match(attr['apitoolkit.msg_id'], UUID_V4)
  t.not(attr['apitoolkit.msg_id'], incoming.attributes['apitoolkit.msg_id'], 'its own msg_id')
  t.equal(attr['apitoolkit.sdk_type'], 'JsOutgoing')
  t.equal(attr['net.host.name'], new URL(up.url).host, 'host with port')
  t.equal(attr['http.route'], '/items/42', 'the URL path without urlWildcard')
  t.equal(attr['http.target'], '/items/42?x=1&x=2')
  t.equal(attr['http.request.method'], 'GET')
  t.equal(attr['http.response.status_code'], 200)
  t.same(JSON.parse(String(attr['http.request.query_params'])), { x: ['1', '2'] })
  t.equal(attr['http.request.path_params'], '{}')
  t.equal(attr['http.request.body'], '')
  t.same(JSON.parse(decodeBase64(attr['http.response.body'])), { id: '42', name: 'widget', token: REDACTED }, 'plugin response list applies')
  t.equal(attr['apitoolkit.errors'], '[]')
  t.equal(attr['http.request.header.authorization'], REDACTED)
  t.equal(attr['http.request.header.x-plugin-listed'], REDACTED)
  t.equal(attr['http.request.header.x-call-listed'], REDACTED, 'per-call list, case-insensitive')
  t.equal(attr['http.request.header.x-plain'], 'visible')
  t.equal(attr['http.response.header.set-cookie'], REDACTED)
  t.equal(attr['http.response.header.x-upstream'], 'yes')
  t.equal(attr['http.response.header.content-type'], 'application/json')

  const got = up.one('/items/42?x=1&x=2')
  t.equal(got.headers.authorization, 'Bearer s3cret', 'the upstream gets the real values')
  t.equal(got.headers['x-plugin-listed'], 'plugin-listed')
  t.equal(got.headers['x-call-listed'], 'call-listed')
  t.same(headerLines(got, 'traceparent'), [traceparentOf(s)], 'exactly one traceparent, naming the outgoing span')
  t.equal(attr['http.request.header.traceparent'], traceparentOf(s), 'the span records the headers sent')
})

test('a traceparent the caller sets is replaced by the call\'s own: the upstream gets exactly one, naming the CLIENT span', async (t) => {
  const up = await startUpstream(t)
  const callers = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01'
  const app = await startApp(t, {}, (a) => {
    a.get('/own', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/own`, { headers: { traceparent: callers } })
      return await res.json()
    })
  })
  t.same((await call(app, '/own', 'own')).body, { id: 'own', name: 'widget', token: 'tok-secret' })
  const { incoming, outgoing } = spansOfRequest(await app.closeApp(), 'own')
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  t.equal(s.traceId, incoming.traceId, 'the call stays in the request\'s trace, not the caller\'s header\'s')
  t.same(headerLines(up.one('/items/own'), 'traceparent'), [traceparentOf(s)])
  t.equal(s.attributes['http.request.header.traceparent'], traceparentOf(s))
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

  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'post').outgoing.length, 4)
  const first = outgoingTo(spans, '/echo?n=1')
  const second = outgoingTo(spans, '/echo?n=2')
  t.equal(first.attributes['http.request.method'], 'POST')
  t.equal(first.attributes['http.response.status_code'], 201)
  t.same(JSON.parse(decodeBase64(first.attributes['http.request.body'])), { user: 'ann', password: REDACTED, card: REDACTED })
  t.equal(first.attributes['http.request.header.content-type'], 'application/json')
  t.same(JSON.parse(decodeBase64(first.attributes['http.response.body'])), { method: REDACTED, contentType: 'application/json', body: json, token: REDACTED })
  t.same(JSON.parse(decodeBase64(second.attributes['http.request.body'])), { user: 'ann', password: REDACTED, card: '4111' }, 'a per-call list stays with its call')
  t.equal(JSON.parse(decodeBase64(second.attributes['http.response.body'])).method, 'POST')
  t.equal(outgoingTo(spans, '/echo?n=3').attributes['http.request.method'], 'PUT')
  t.equal(outgoingTo(spans, '/echo?n=4').attributes['http.request.method'], 'PATCH')
  t.equal(decodeBase64(outgoingTo(spans, '/echo?n=4').attributes['http.request.body']), '[1,2]')
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

  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'methods').outgoing.length, 3)
  const head = outgoingTo(spans, '/items/1')
  const del = outgoingTo(spans, '/echo?m=delete')
  const viaRequest = outgoingTo(spans, '/echo?m=request')
  t.same(headerLines(up.one('/echo?m=request'), 'traceparent'), [traceparentOf(viaRequest)], 'a Request input carries the call\'s traceparent too')
  t.equal(head.attributes['http.request.method'], 'HEAD')
  t.equal(head.attributes['http.response.body'], '')
  t.equal(del.attributes['http.request.method'], 'DELETE')
  t.equal(del.attributes['http.response.status_code'], 201)
  t.equal(viaRequest.attributes['http.request.method'], 'POST')
  t.equal(viaRequest.attributes['http.route'], '/echo')
  t.equal(viaRequest.attributes['http.request.header.x-from-request'], 'r')
  t.equal(viaRequest.attributes['http.request.body'], '', 'a Request body is a stream: not read')
})

test('a Buffer body is recorded as it was sent, as a JSON string of its text, even when the caller reuses the buffer right after', async (t) => {
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
  t.equal(decodeBase64(outgoingTo(await app.closeApp(), '/echo?binary=1').attributes['http.request.body']), '"original"')
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
  const spans = await app.closeApp()
  const s404 = outgoingTo(spans, '/status/404')
  const s500 = outgoingTo(spans, '/status/500')
  t.equal(s404.attributes['http.response.status_code'], 404)
  t.same(s404.status, { code: STATUS_UNSET, message: '' })
  t.equal(s500.attributes['http.response.status_code'], 500)
  t.same(s500.status, { code: STATUS_ERROR, message: 'HTTP 500' }, 'ERROR with the status as its message')
  t.same(JSON.parse(decodeBase64(s500.attributes['http.response.body'])), { status: 500 })
  t.equal(s500.attributes['apitoolkit.errors'], '[]', 'an HTTP status is not an error entry')
  t.same(s500.events, [], 'nor an exception event')
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
  const { outgoing } = spansOfRequest(await app.closeApp(), 'redirect')
  t.equal(outgoing.length, 1)
  t.equal(outgoing[0].attributes['http.target'], '/redirect')
  t.equal(outgoing[0].attributes['http.response.status_code'], 200)
  t.same(headerLines(up.one('/items/7'), 'traceparent'), [traceparentOf(outgoing[0])], 'the redirected request carries the same traceparent')
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
  const span = outgoingTo(await app.closeApp(), '/stream')
  t.equal(JSON.parse(decodeBase64(span.attributes['http.response.body'])), STREAM_PARTS.join(''), 'the span copy holds the whole (small) text, as a JSON string')
})

test('a body larger than maxBodyBytes reaches the caller whole; the span keeps text cut to fit, JSON cut structurally, binary not at all', async (t) => {
  const up = await startUpstream(t)
  const size = 300_000
  const app = await startApp(t, { maxBodyBytes: 1000 }, (a) => {
    a.get('/big', async (request) => {
      const out: Record<string, boolean> = {}
      for (const [path, expected] of [['big', bigBody(size)], ['text-big', bigBody(size)], ['json-big', Buffer.from(bigJson(size))]] as const) {
        const res = await request.apitoolkit.observe.get(`${up.url}/${path}?size=${size}`)
        out[path] = Buffer.from(await res.arrayBuffer()).equals(expected)
      }
      return out
    })
  })
  t.same((await call(app, '/big', 'big')).body, { big: true, 'text-big': true, 'json-big': true }, 'the caller reads every byte')
  const spans = await app.closeApp()

  t.equal(outgoingTo(spans, `/big?size=${size}`).attributes['http.response.body'], '', 'an application/octet-stream body is not captured')

  const text = Buffer.from(String(outgoingTo(spans, `/text-big?size=${size}`).attributes['http.response.body']), 'base64')
  t.equal(text.length, 1000, 'text: exactly maxBodyBytes, quotes included')
  t.equal(JSON.parse(text.toString()), bigBody(998).toString(), 'a JSON string of the text\'s first bytes')

  const jsonBytes = Buffer.from(String(outgoingTo(spans, `/json-big?size=${size}`).attributes['http.response.body']), 'base64')
  t.ok(jsonBytes.length <= 1000 && jsonBytes.length > 900, `JSON: ${jsonBytes.length} bytes, at most maxBodyBytes`)
  const kept = JSON.parse(jsonBytes.toString()) as { token: string, items: string[] }
  const original = JSON.parse(bigJson(size)) as { items: string[] }
  t.same(Object.keys(kept), ['token', 'items'])
  t.equal(kept.token, 'tok-secret')
  t.ok(kept.items.length > 50, `${kept.items.length} items kept`)
  t.same(kept.items.slice(0, -1), original.items.slice(0, kept.items.length - 1), 'whole items, in order')
  const last = kept.items.length - 1
  t.ok(original.items[last].startsWith(kept.items[last]), 'the last item is the original or a prefix of it')
})

test('the span copy stops past maxBodyBytes: the span ends while the upstream still holds the rest', async (t) => {
  const up = await startUpstream(t)
  // The first chunk is far longer than the span needs; the rest comes only once the test releases it.
  const first = 20_000
  const target = `/stream?size=${first}`
  const app = await startApp(t, { maxBodyBytes: 5 }, (a) => {
    a.get('/stream-cut', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}${target}`)
      // Had the copy been read to the end, the span could not end before the release below.
      const copy = await within(10_000, 'the span of the call, while the upstream holds the rest', app.receiver.until((all) => all.some((s) => s.attributes['http.target'] === target)))
        .then((spans) => decodeBase64(outgoingTo(spans, target).attributes['http.response.body']), (err: Error) => err.message)
      const heldWhenEnded = up.streamHeld
      up.releaseStream()
      const text = await res.text()
      return { heldWhenEnded, whole: text === bigBody(first).toString() + STREAM_PARTS[1] + STREAM_PARTS[2], copy }
    })
  })
  t.same((await call(app, '/stream-cut', 'stream-cut')).body, { heldWhenEnded: true, whole: true, copy: '"abc"' })
})

test('with response paths configured, text and a JSON body too long to parse are withheld; a JSON body that parses is redacted', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { maxBodyBytes: 1000, redactResponseBody: ['$.token'] }, (a) => {
    a.get('/withheld', async (request) => {
      const lengths: number[] = []
      for (const path of ['/text-big?size=5000', '/json-big?size=100000', '/json-big?size=2000']) {
        const res = await request.apitoolkit.observe.get(`${up.url}${path}`)
        lengths.push((await res.arrayBuffer()).byteLength)
      }
      return lengths
    })
  })
  t.same((await call(app, '/withheld', 'withheld')).body, [5000, bigJson(100000).length, bigJson(2000).length])
  const spans = await app.closeApp()
  t.equal(decodeBase64(outgoingTo(spans, '/text-big?size=5000').attributes['http.response.body']), WITHHELD_BODY, 'text: the marker')
  t.equal(decodeBase64(outgoingTo(spans, '/json-big?size=100000').attributes['http.response.body']), WITHHELD_BODY,
    'JSON longer than the span reads cannot be parsed: the marker, never the body in clear')
  const parsed = JSON.parse(decodeBase64(outgoingTo(spans, '/json-big?size=2000').attributes['http.response.body'])) as { token: string, items: string[] }
  t.equal(parsed.token, REDACTED, 'a JSON body read whole is redacted, then cut')
  t.ok(parsed.items.length > 0)
})

test('connection refused: status 502 and an exception event; the caller gets the very same error', async (t) => {
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
  const { outgoing } = spansOfRequest(await app.closeApp(), 'refused')
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  t.equal(s.attributes['http.response.status_code'], 502)
  t.same(s.status, { code: STATUS_ERROR, message: 'fetch failed' })
  t.equal(s.attributes['net.host.name'], `127.0.0.1:${port}`)
  t.equal(s.attributes['http.target'], '/items/1?q=1')
  t.match(errorsOf(s), [{ error_type: 'TypeError', message: 'fetch failed', root_error_message: /ECONNREFUSED/ }])
  const exceptions = exceptionsOf(s)
  t.equal(exceptions.length, 1)
  t.equal(exceptions[0]['exception.type'], 'TypeError')
  t.equal(exceptions[0]['exception.message'], 'fetch failed')
  t.match(exceptions[0]['exception.stacktrace'], /^TypeError: fetch failed\n[^]*\nCaused by: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/)
  t.equal(s.attributes['http.request.header.traceparent'], traceparentOf(s), 'trace context was injected')
})

test('a timeout and an abort: status 504 and 499 with an exception event; the caller gets the original error', async (t) => {
  const thrown = spyOnFetchErrors(t)
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/timeout', async (request) => {
      const out: Array<{ name: string, same: boolean }> = []
      for (const signal of [AbortSignal.timeout(50), AbortSignal.abort()]) {
        try {
          await request.apitoolkit.observe.get(`${up.url}/hang?signal=${out.length}`, { signal })
        } catch (err) {
          out.push({ name: (err as Error).name, same: thrown.includes(err) })
        }
      }
      return out
    })
  })
  t.same((await call(app, '/timeout', 'timeout')).body, [{ name: 'TimeoutError', same: true }, { name: 'AbortError', same: true }])
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'timeout').outgoing.length, 2)
  const timedOut = outgoingTo(spans, '/hang?signal=0')
  const aborted = outgoingTo(spans, '/hang?signal=1')
  t.equal(timedOut.attributes['http.response.status_code'], 504)
  t.equal(timedOut.status.code, STATUS_ERROR)
  t.match(errorsOf(timedOut), [{ error_type: 'DOMException', message: /timeout/ }])
  t.match(exceptionsOf(timedOut), [{ 'exception.type': 'DOMException', 'exception.message': /timeout/ }])
  t.equal(exceptionsOf(timedOut).length, 1)
  t.equal(aborted.attributes['http.response.status_code'], 499)
  t.equal(aborted.status.code, STATUS_UNSET, 'a 499 is not a server error')
  t.match(errorsOf(aborted), [{ error_type: 'DOMException', message: /aborted/ }])
  t.match(exceptionsOf(aborted), [{ 'exception.type': 'DOMException', 'exception.message': /aborted/ }])
  t.equal(exceptionsOf(aborted).length, 1)
})

test('a call the caller aborts with a reason of its own is recorded as aborted (499); the caller gets that reason', async (t) => {
  const up = await startUpstream(t)
  const reason = new Error('caller gave up')
  const app = await startApp(t, {}, (a) => {
    a.get('/gave-up', async (request) => {
      const { observe } = request.apitoolkit
      const gotReason: boolean[] = []
      await observe.get(`${up.url}/hang?when=before`, { signal: AbortSignal.abort(reason) }).catch((err: unknown) => { gotReason.push(err === reason) })
      const controller = new AbortController()
      const pending = observe.get(`${up.url}/hang?when=during`, { signal: controller.signal })
      await within(10_000, 'the call at the upstream', up.arrival('/hang?when=during'))
      controller.abort(reason)
      await pending.catch((err: unknown) => { gotReason.push(err === reason) })
      return gotReason
    })
  })
  t.same((await call(app, '/gave-up', 'gave-up')).body, [true, true])
  const spans = await app.closeApp()
  for (const [when, label] of [['before', 'aborted before the call went out'], ['during', 'aborted while the upstream held the call']]) {
    const s = outgoingTo(spans, `/hang?when=${when}`)
    t.equal(s.attributes['http.response.status_code'], 499, `${label}: 499`)
    t.equal(s.status.code, STATUS_UNSET, `${label}: not a server error`)
    t.match(exceptionsOf(s), [{ 'exception.type': 'Error', 'exception.message': 'caller gave up' }])
  }
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

  const spans = await app.closeApp()
  let linked = 0
  for (const id of ids) {
    const { incoming, outgoing } = spansOfRequest(spans, id)
    const ok = outgoing.length === 3 && outgoing.every((s) =>
      s.attributes['http.route'] === `/items/${id}` && s.parentSpanId === incoming.spanId && s.traceId === incoming.traceId)
    if (ok) linked++
    for (const k of [0, 1, 2]) {
      const sent = headerLines(up.one(`/items/${id}?k=${k}`), 'traceparent')
      const span = outgoing.find((s) => s.attributes['http.target'] === `/items/${id}?k=${k}`)
      if (span === undefined || sent.length !== 1 || sent[0] !== traceparentOf(span)) t.fail(`traceparent of ${id}?k=${k} does not name its span: ${JSON.stringify(sent)}`)
    }
  }
  t.equal(linked, 100, 'all 300 outgoing spans linked to their own request')
})

test('observeRequest(request, defaults): wildcard and lists apply to every call, per-call options add or win', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/defaults', async (request) => {
      const client = observeRequest(request, { urlWildcard: '/items/:id', redactHeaders: ['x-default-listed'] })
      const headers = { 'x-default-listed': 'd', 'x-call-listed': 'c' }
      const a1 = await client.get(`${up.url}/items/42`, { headers, redactHeaders: ['x-call-listed'] })
      const a2 = await client.get(`${up.url}/items/43/`, { headers, urlWildcard: '/items/:id/' })
      await Promise.all([a1.text(), a2.text()])
      return { ok: true }
    })
  })
  t.same((await call(app, '/defaults', 'defaults')).body, { ok: true })
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'defaults').outgoing.length, 2)
  const s1 = outgoingTo(spans, '/items/42')
  const s2 = outgoingTo(spans, '/items/43/')
  t.equal(s1.attributes['http.route'], '/items/:id')
  t.equal(s1.attributes['http.request.path_params'], '{"id":"42"}')
  t.equal(s1.attributes['http.request.header.x-default-listed'], REDACTED)
  t.equal(s1.attributes['http.request.header.x-call-listed'], REDACTED)
  t.equal(s2.attributes['http.route'], '/items/:id/', 'the call\'s wildcard wins')
  t.equal(s2.attributes['http.request.path_params'], '{"id":"43"}')
  t.equal(s2.attributes['http.request.header.x-default-listed'], REDACTED)
  t.equal(s2.attributes['http.request.header.x-call-listed'], 'c', 'a per-call list stays with its call')
  t.equal(up.one('/items/42').headers['x-default-listed'], 'd')
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

test('a failure inside the plugin never changes what the caller gets, and is reported', async (t) => {
  const thrown = spyOnFetchErrors(t)
  const up = await startUpstream(t)
  const port = await closedPort()
  const failures = failureRecorder()
  const app = await startApp(t, {}, (a) => {
    a.get('/bug/:where', async (request) => {
      const record = recordOfRequest(request)
      record.plugin.fail = failures.report
      const span = record.span
      const realOutgoing = span.outgoing.bind(span)
      span.outgoing = (request.params as { where: string }).where === 'start'
        ? () => { throw new Error('span start bug') }
        : () => {
            const child = realOutgoing()
            child.end = () => { throw new Error('span end bug') }
            return child
          }
      const res = await request.apitoolkit.observe.get(`${up.url}/items/9?bug=${(request.params as { where: string }).where}`)
      const body = await res.json()
      let refused: unknown
      await request.apitoolkit.observe.get(`http://127.0.0.1:${port}/`).catch((err: unknown) => { refused = err })
      return { status: res.status, body, sameError: refused !== undefined && thrown.includes(refused) }
    })
  })
  const expected = { status: 200, body: { id: '9', name: 'widget', token: 'tok-secret' }, sameError: true }
  t.same((await call(app, '/bug/start', 'bug-start')).body, expected)
  t.same((await call(app, '/bug/end', 'bug-end')).body, expected)
  t.equal(failures.wheres.filter((w) => w === 'starting an outgoing span').length, 2, 'both calls of the first request reported')
  t.equal(headerLines(up.one('/items/9?bug=start'), 'traceparent').length, 0, 'a call whose span could not start goes out as a plain fetch')
  // The end of a span runs once its body copy is read, which may be after the handler answered.
  await t.resolves(within(10_000, () => `two "recording an outgoing call" failures (reported: ${JSON.stringify(failures.wheres)})`, failures.reported('recording an outgoing call', 2)),
    'a failing end of span is reported for the answered call and the refused one')
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'bug-start').outgoing.length, 0)
  t.equal(spansOfRequest(spans, 'bug-end').outgoing.length, 0)
})

test('an invalid per-call JSONPath: the call goes out, the body is replaced by the marker, the failure reported', async (t) => {
  const up = await startUpstream(t)
  const failures: string[] = []
  const app = await startApp(t, {}, (a) => {
    a.get('/bad-path', async (request) => {
      recordOfRequest(request).plugin.fail = (_err, where) => { failures.push(where) }
      const res = await request.apitoolkit.observe.post(`${up.url}/echo?bad=1`, { a: 1 }, { redactRequestBody: ['$.a['] })
      return { status: res.status }
    })
  })
  t.same((await call(app, '/bad-path', 'bad-path')).body, { status: 201 })
  t.equal(up.one('/echo?bad=1').body, '{"a":1}')
  t.equal(decodeBase64(outgoingTo(await app.closeApp(), '/echo?bad=1').attributes['http.request.body']), WITHHELD_BODY)
  t.same(failures, ['compiling a per-call redactRequestBody list'])
})
