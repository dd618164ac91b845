// Sampling by outcome, over real HTTP into a real OTLP receiver: ordinary requests are kept by their trace
// id at sampleRate; 5xx, recorded errors, aborts and slow requests always; outgoing calls follow their request.
import { test } from 'tap'
import http from 'node:http'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { isOutgoing } from '../../helpers/outgoing'
import { startUpstream } from '../../helpers/upstream'

/** The decision written down independently: the XOR of the trace id's four 32-bit words, below rate·2³². */
function keptAt (rate: number, traceId: string): boolean {
  let value = 0
  for (let i = 0; i < 32; i += 8) value = (value ^ parseInt(traceId.slice(i, i + 8), 16)) >>> 0
  return value < rate * 2 ** 32
}

function get (url: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { 'x-test-id': id, ...headers } })
}

/** Runs `count` tasks, `width` at a time. */
async function inBatches (count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, k) => task(start + k)))
  }
}

function randomHex (bytes: number): string {
  let out = ''
  for (let i = 0; i < bytes; i++) out += Math.floor(Math.random() * 256).toString(16).padStart(2, '0')
  return out
}

test('sampleRate 0: 200 ordinary requests export nothing; a 500, a reported error, an abort and a slow request are all kept', async (t) => {
  let markArrived: () => void = () => {}
  const arrived = new Promise<void>((resolve) => { markArrived = resolve })
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => { release() })
  const h = await startHarness(t, (app) => {
    app.post('/ok', async (request) => ({ echoed: request.body }))
    app.get('/fail', async () => { throw new Error('boom') })
    app.get('/reported', async (request) => {
      request.apitoolkit.reportError(new Error('handled'))
      return { ok: true }
    })
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 80))
      return { slow: true }
    })
    app.get('/hang', async () => {
      markArrived()
      await released
      return { late: true }
    })
  }, { sampleRate: 0, slowRequestMs: 50, captureRequestBody: true, captureResponseBody: true, redactRequestBody: ['$.password'] })

  await inBatches(200, 20, async (i) => {
    const res = await fetch(`${h.url}/ok`, {
      method: 'POST', headers: { 'x-test-id': `ok-${i}`, 'content-type': 'application/json' }, body: JSON.stringify({ i, password: 'p' })
    })
    t.equal(res.status, 200)
    t.same(await res.json(), { echoed: { i, password: 'p' } }, 'the client gets the real body')
  })
  t.equal((await get(`${h.url}/fail`, 'fail')).status, 500)
  t.equal((await get(`${h.url}/reported`, 'reported')).status, 200)
  t.equal((await get(`${h.url}/slow`, 'slow')).status, 200)
  const req = http.get(`${h.url}/hang`, { headers: { 'x-test-id': 'aborted' } })
  req.on('error', () => {})
  await arrived
  req.destroy()
  await h.collector.until((spans) => spans.some((s) => s.attributes['http.request.header.x-test-id'] === 'aborted'))
  release()

  const spans = await h.closeApp()
  t.equal(spans.filter((s) => String(s.attributes['http.request.header.x-test-id']).startsWith('ok-')).length, 0, 'no ordinary request exported')
  t.equal(spans.length, 4, 'exactly the four that must be kept')
  t.equal(spanFor(spans, 'fail').attributes['http.response.status_code'], 500)
  t.equal(spanFor(spans, 'reported').attributes['http.response.status_code'], 200)
  t.equal(spanFor(spans, 'slow').attributes['http.response.status_code'], 200)
  t.equal(spanFor(spans, 'aborted').attributes['http.response.status_code'], 499)
  t.equal(decodeBase64(spanFor(spans, 'fail').attributes['http.response.body']).includes('boom'), true, 'a kept request has its bodies')
})

test('a request not sampled but kept for its outcome still has its bodies, redacted, captured at its end', async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/fail', async () => { throw Object.assign(new Error('nope'), { statusCode: 503 }) })
  }, { sampleRate: 0, captureRequestBody: true, captureResponseBody: true, redactRequestBody: ['$.password'] })
  const res = await fetch(`${h.url}/fail`, { method: 'POST', headers: { 'x-test-id': 'f', 'content-type': 'application/json' }, body: '{"user":"u","password":"hunter2"}' })
  t.equal(res.status, 503)
  const s = spanFor(await h.closeApp(), 'f')
  t.same(JSON.parse(decodeBase64(s.attributes['http.request.body'])), { user: 'u', password: '[CLIENT_REDACTED]' })
  t.match(JSON.parse(decodeBase64(s.attributes['http.response.body'])), { message: 'nope' })
})

test('sampleRate 0.5: the share over 2,000 requests is within bounds, and each decision is the trace id\'s', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/hello', async () => ({ hello: 'world' }))
  }, { sampleRate: 0.5 })
  const n = 2000
  await inBatches(n, 25, async (i) => {
    const res = await get(`${h.url}/hello`, `r-${i}`)
    t.equal(res.status, 200)
    await res.arrayBuffer()
  })
  const spans = await h.closeApp()
  // Binomial(2000, 0.5): standard deviation about 22; five of them either side.
  t.ok(spans.length > n / 2 - 112 && spans.length < n / 2 + 112, `${spans.length} of ${n} kept`)
  t.ok(spans.every((s) => keptAt(0.5, s.traceId)), 'every kept span\'s trace id is below the bound')
})

test('sampleRate 0.5: two requests of one trace agree, and outgoing calls follow their request', async (t) => {
  const up = await startUpstream(t)
  const h = await startHarness(t, (app) => {
    app.get('/calls', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/1`)
      return await res.json()
    })
  }, { sampleRate: 0.5 })
  const traces = Array.from({ length: 60 }, () => randomHex(16))
  await inBatches(traces.length, 10, async (i) => {
    for (const hop of ['a', 'b']) {
      const res = await get(`${h.url}/calls`, `${hop}-${i}`, { traceparent: `00-${traces[i]}-${randomHex(8)}-01` })
      t.equal(res.status, 200)
      await res.arrayBuffer()
    }
  })
  const spans = await h.closeApp()
  let kept = 0
  for (const [i, traceId] of traces.entries()) {
    const incoming = spans.filter((s) => s.traceId === traceId && !isOutgoing(s))
    const outgoing = spans.filter((s) => s.traceId === traceId && isOutgoing(s))
    const expected = keptAt(0.5, traceId)
    t.equal(incoming.length, expected ? 2 : 0, `trace ${i}: both requests decided alike`)
    t.equal(outgoing.length, incoming.length, `trace ${i}: one outgoing span per kept request, none for a dropped one`)
    if (expected) kept++
  }
  t.ok(kept > 0 && kept < traces.length, 'some traces kept, some not')
})

test('an outgoing call of a request not sampled is sent once the request is kept for a 5xx, and dropped with an ordinary one', async (t) => {
  const up = await startUpstream(t)
  const h = await startHarness(t, (app) => {
    app.get('/call/:outcome', async (request, reply) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/3`)
      await res.arrayBuffer()
      return reply.code((request.params as { outcome: string }).outcome === 'fail' ? 502 : 200).send({ done: true })
    })
  }, { sampleRate: 0 })
  t.equal((await get(`${h.url}/call/fail`, 'fail')).status, 502)
  t.equal((await get(`${h.url}/call/ok`, 'ok')).status, 200)
  const spans = await h.closeApp()
  const incoming = spanFor(spans, 'fail')
  const outgoing = spans.filter(isOutgoing)
  t.equal(outgoing.length, 1, 'only the failing request\'s call')
  t.equal(outgoing[0].parentSpanId, incoming.spanId)
  t.equal(outgoing[0].attributes['apitoolkit.parent_id'], incoming.attributes['apitoolkit.msg_id'])
  t.equal(spans.length, 2)
})
