// Faults around the plugin never reach the app: an unreachable, slow or flapping collector, shutdown
// under load, and failures inside the plugin's own code.
import { test } from 'tap'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit, { type ApitoolkitOptions } from '..'
import { startCollector } from '../lib/collector/collector-server'
import { spanFor, startHarness } from './helpers/harness'

interface LogLine { level: number, msg: string, droppedSpans?: number, pendingSpans?: number }

function logSink (): { stream: Writable, lines: LogLine[] } {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  return { stream, lines }
}

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
  t.ok((warnings[0]?.pendingSpans ?? Infinity) <= 20, 'no more than the cap ever waits')
  const totals = lines.filter((l) => l.msg.includes('spans not delivered in total'))
  t.equal(totals.length, 1, 'the totals are logged at close')
  t.ok((totals[0]?.droppedSpans ?? 0) >= 200 - 20, 'spans past the cap were dropped and counted')
})

test('a slow collector does not slow or fail requests, and close still delivers', async (t) => {
  const collector = await startCollector({ responseDelayMs: 2000 })
  t.teardown(() => collector.close())
  const { stream } = logSink()
  const { app, url } = await appWith({ otlpEndpoint: collector.endpoint }, stream)
  const statuses = await burst(url, 50)
  t.ok(statuses.every((s) => s === 200))
  await app.close()
  t.equal(collector.spans.length, 50, 'all delivered once the collector answered')
})

test('a flapping collector: spans flow again when it comes back', async (t) => {
  const first = await startCollector()
  const port = first.port
  const { stream } = logSink()
  const { app, url } = await appWith({ otlpEndpoint: first.endpoint }, stream)
  t.teardown(() => app.close())
  await first.close()
  t.ok((await burst(url, 20, 'down-')).every((s) => s === 200), 'served while the collector is down')
  const second = await startCollector({ port })
  t.teardown(() => second.close())
  t.ok((await burst(url, 20, 'up-')).every((s) => s === 200))
  const arrived = await second.waitForSpans(20, 30_000, (s) => String(s.attributes['http.request.header.x-test-id']).startsWith('up-'))
  t.equal(arrived.length, 20, 'new spans arrive after the collector is back')
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
  for (let i = 0; i < 50; i++) spanFor(spans, String(i))
  t.equal(spans.length, 50, 'and every one of them has its span')
})

test('registering twice is refused with a clear error', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' })
  await t.rejects(app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1' }).ready(), /already registered/)
})

test('registered inside an encapsulated context, it traces that context only', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const app = Fastify()
  app.get('/outside', async () => 'outside')
  await app.register(async (child) => {
    await child.register(apitoolkit, { otlpEndpoint: collector.endpoint })
    child.get('/inside', async () => 'inside')
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  await (await fetch(`${url}/inside`)).text()
  await (await fetch(`${url}/outside`)).text()
  await app.close()
  t.same(collector.spans.map((s) => s.attributes['http.route']), ['/inside'])
})

test('large captured bodies: batches are cut to what a collector accepts, so no span is lost', async (t) => {
  // 80 spans with about 160 KB of base64 bodies each: one export of ~13 MB, over gRPC's 4 MiB default.
  const body = JSON.stringify({ items: Array.from({ length: 1500 }, (_, i) => ({ sku: `SKU-${i}`, name: 'Widget, blue, large' })) })
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
  }, { captureRequestBody: true, captureResponseBody: true, maxBodyBytes: 65536 })
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
  const one = spanFor(spans, '7')
  t.equal(Buffer.from(String(one.attributes['http.request.body']), 'base64').length, 65536, 'with its request body cut to maxBodyBytes')
  t.equal(Buffer.from(String(one.attributes['http.response.body']), 'base64').length, 65536, 'and its response body too')
})
