// Faults around the plugin never reach the app: an unreachable, slow or flapping collector, shutdown under
// load, huge batches; and the plugin is registered once, at the root or inside a fastify-plugin wrapper.
import { test } from 'tap'
import type { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import apitoolkit, { type ApitoolkitOptions } from '../../..'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { logSink } from '../../helpers/log-sink'
import { startOfficialReceiver } from '../../helpers/official-receiver'
import { isStructuralPrefix } from '../../unit/body/prefix'

async function appWith (options: ApitoolkitOptions, stream: Writable): Promise<{ app: FastifyInstance, url: string }> {
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(apitoolkit, options)
  app.get('/ok/:n', async (request) => ({ n: (request.params as { n: string }).n }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url }
}

async function burst (url: string, count: number, prefix = ''): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const res = await fetch(`${url}/ok/${i}`, { headers: { 'x-test-id': `${prefix}${i}` } })
    await res.arrayBuffer()
    return res.status
  }))
}

test('an unreachable collector: every request served, the queue bounded, drops logged once', async (t) => {
  const { stream, lines } = logSink()
  const { app, url } = await appWith({ otlpEndpoint: 'http://127.0.0.1:1', maxQueueSize: 20 }, stream)
  const statuses = await burst(url, 200)
  t.ok(statuses.every((s) => s === 200), 'no request failed')
  const guard = setTimeout(() => t.fail('close did not finish'), 15_000)
  await app.close()
  clearTimeout(guard)
  const warnings = lines.filter((l) => l.msg.includes('spans not delivered (collector slow or unreachable)'))
  t.equal(warnings.length, 1, 'logged once within the interval, not per span')
  t.equal(warnings[0]?.level, 40, 'as a warning')
  t.ok((warnings[0]?.pendingSpans ?? Infinity) <= 20, 'no more than the cap ever waits')
  const totals = lines.filter((l) => l.msg.includes('spans not delivered in total'))
  t.equal(totals.length, 1, 'the totals are logged at close')
  const dropped = totals[0]?.droppedSpans ?? 0
  const failed = totals[0]?.failedSpans ?? 0
  t.equal(dropped + failed, 200, `every span is counted once: ${dropped} dropped past the cap, ${failed} failed to send`)
  t.ok(dropped > 0 && failed > 0 && failed <= 200 - dropped, 'some were dropped at the cap, the ones let in failed to send')
})

test('a slow collector does not slow or fail requests, and close still delivers', async (t) => {
  const receiver = await startOfficialReceiver({ delayMs: 2000 })
  t.teardown(() => receiver.close())
  const { stream, lines } = logSink()
  const { app, url } = await appWith({ otlpEndpoint: receiver.endpoint }, stream)
  const statuses = await burst(url, 50)
  t.ok(statuses.every((s) => s === 200))
  await app.close()
  t.equal(receiver.spans.length, 50, 'all delivered once the collector answered')
  t.same(lines.filter((l) => l.msg.startsWith('apitoolkit-fastify')), [], 'nothing to report')
})

test('a flapping collector: spans flow again when it comes back', async (t) => {
  const first = await startOfficialReceiver()
  const port = Number(new URL(first.endpoint).port)
  const { stream } = logSink()
  const { app, url } = await appWith({ otlpEndpoint: first.endpoint }, stream)
  t.teardown(() => app.close())
  await first.close()
  t.ok((await burst(url, 20, 'down-')).every((s) => s === 200), 'served while the collector is down')
  const second = await startOfficialReceiver({}, port)
  t.teardown(() => second.close())
  t.ok((await burst(url, 20, 'up-')).every((s) => s === 200))
  const up = (spans: typeof second.spans): typeof second.spans =>
    spans.filter((s) => String(s.attributes['http.request.header.x-test-id']).startsWith('up-'))
  const arrived = await second.until((spans) => up(spans).length >= 20)
  t.equal(up(arrived).length, 20, 'new spans arrive after the collector is back')
})

test('graceful shutdown under load: requests in flight finish and every span is exported', async (t) => {
  let arrived = 0
  let allArrived: () => void = () => {}
  const everyoneIn = new Promise<void>((resolve) => { allArrived = resolve })
  const h = await startHarness(t, (app) => {
    app.get('/slow/:n', async (request) => {
      if (++arrived === 50) allArrived()
      await new Promise((resolve) => setTimeout(resolve, 200))
      return { n: (request.params as { n: string }).n }
    })
  })
  const inFlight = Array.from({ length: 50 }, async (_, i) => {
    const res = await fetch(`${h.url}/slow/${i}`, { headers: { 'x-test-id': String(i), connection: 'close' } })
    await res.arrayBuffer()
    return res.status
  })
  await everyoneIn
  const spans = await h.closeApp()
  t.same(await Promise.all(inFlight), Array(50).fill(200), 'every request in flight finished')
  for (let i = 0; i < 50; i++) t.equal(spanFor(spans, String(i)).attributes['http.response.status_code'], 200, `request ${i}: its span, with its status`)
  t.equal(spans.length, 50, 'and nothing else')
})

test('app.close() right after a burst delivers every span', async (t) => {
  const h = await startHarness(t, (app) => { app.get('/n/:n', async () => ({ ok: true })) })
  await Promise.all(Array.from({ length: 300 }, async (_, i) => (await fetch(`${h.url}/n/${i}`, { headers: { 'x-test-id': String(i) } })).text()))
  const spans = await h.closeApp()
  t.equal(spans.length, 300, 'no span waits for the batch timer or is lost')
  t.equal(new Set(spans.map((s) => s.attributes['http.request.header.x-test-id'])).size, 300, 'each request once')
})

test('registering twice is refused with a clear error', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' })
  await t.rejects(async () => { await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' }).ready() }, /already registered/)
})

test('registered inside a fastify-plugin wrapper, it traces the whole app', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/before', async () => 'before')
  await app.register(fp(async (wrapper) => {
    await wrapper.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
    wrapper.get('/inside', async (request) => ({ traced: request.apitoolkit !== null }))
  }))
  app.get('/after', async (request) => ({ traced: request.apitoolkit !== null }))
  await app.register(async (child) => {
    child.get('/child', async (request) => ({ traced: request.apitoolkit !== null }))
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.equal(await (await fetch(`${url}/before`)).text(), 'before')
  for (const path of ['/inside', '/after', '/child']) t.same(await (await fetch(`${url}${path}`)).json(), { traced: true }, `${path}: request.apitoolkit is there`)
  await app.close()
  t.same(receiver.spans.map((s) => s.attributes['http.route']).sort(), ['/after', '/before', '/child', '/inside'], 'one span for each route, wherever it is declared')
})

test('large captured bodies: batches are cut to what a collector accepts, so no span is lost', async (t) => {
  // 80 spans with about 160 KB of base64 bodies each: one export of ~13 MB, over gRPC's 4 MiB default.
  const document = { items: Array.from({ length: 1500 }, (_, i) => ({ sku: `SKU-${i}`, name: 'Widget, blue, large' })) }
  const body = JSON.stringify(document)
  const MAX = 65536
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
  }, { captureRequestBody: true, captureResponseBody: true, maxBodyBytes: MAX })
  const statuses = await Promise.all(Array.from({ length: 80 }, async (_, i) => {
    const res = await fetch(`${h.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-id': String(i) },
      body
    })
    await res.arrayBuffer()
    return res.status
  }))
  t.same(statuses, Array(80).fill(200), 'every request served')
  const spans = await h.closeApp()
  t.equal(spans.length, 80, 'every span reached the collector')
  t.ok(h.collector.requests.length > 1, `sent in ${h.collector.requests.length} export requests`)
  t.ok(h.collector.requests.every((r) => r.length < 4 * 1024 * 1024), 'each under the 4 MiB a collector accepts by default')
  const one = spanFor(spans, '7')
  for (const name of ['http.request.body', 'http.response.body']) {
    const text = decodeBase64(one.attributes[name])
    const size = Buffer.byteLength(text)
    t.ok(size <= MAX && size > MAX - 100, `${name}: cut to fit maxBodyBytes (${size} bytes), using nearly all of it`)
    t.ok(isStructuralPrefix(JSON.parse(text), document), `${name}: still JSON, a structural prefix of the body`)
  }
})
