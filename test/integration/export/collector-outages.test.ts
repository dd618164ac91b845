// The collector down, slow or flapping: requests are served as usual, what waits stays bounded, spans
// arrive again once the collector is back, and close() stays bounded.
import { test, type Test } from 'tap'
import { Writable } from 'node:stream'
import { createServer } from 'node:net'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { startOfficialReceiver } from '../../helpers/official-receiver'

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function logLines (): { stream: Writable, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  return { stream, lines }
}

const BODY = JSON.stringify({ items: Array.from({ length: 600 }, (_, i) => ({ id: i, note: 'x'.repeat(90) })) })

/** A collector that takes connections and never answers: exports wait until their deadline. */
async function blackHole (t: { teardown: (fn: () => unknown) => void }): Promise<number> {
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((socket) => { sockets.add(socket); socket.on('error', () => {}) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

async function serveUnchanged (t: Test, url: string, requests: number): Promise<void> {
  const started = Date.now()
  let changed = 0
  for (let done = 0; done < requests; done += 20) {
    const answers = await Promise.all(Array.from({ length: 20 }, async () => {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
      return res.status === 200 && await res.text() === BODY
    }))
    changed += answers.filter((same) => !same).length
  }
  t.equal(changed, 0, `${requests} requests answered with their own body`)
  t.ok(Date.now() - started < 20_000, 'in their usual time')
}

async function appTo (endpoint: string, log: ReturnType<typeof logLines>): Promise<{ app: ReturnType<typeof Fastify>, url: string }> {
  const app = Fastify({ logger: { level: 'warn', stream: log.stream } })
  await app.register(apitoolkit, { otlpEndpoint: endpoint, apiKey: 'k', captureRequestBody: true, captureResponseBody: true, maxQueueSize: 50 })
  app.post('/echo', async (request) => request.body)
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) }
}

function lossLines (log: ReturnType<typeof logLines>): Array<Record<string, unknown>> {
  return log.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('apitoolkit-fastify: spans not delivered'))
}

test('collector refusing connections: requests unchanged, every span counted as failed, close at once', async (t) => {
  const log = logLines()
  const { app, url } = await appTo(`http://127.0.0.1:${await closedPort()}`, log)
  await serveUnchanged(t, url, 200)
  const closing = Date.now()
  await app.close()
  t.ok(Date.now() - closing < 8000, `close returned in ${Date.now() - closing} ms`)
  const lines = lossLines(log)
  t.ok(lines.length >= 1 && lines.length <= 3, `the loss logged now and then (${lines.length} lines), not once per span`)
  const total = lines[lines.length - 1]
  t.equal(Number(total.droppedSpans) + Number(total.failedSpans), 200, 'every span accounted for')
})

test('collector that never answers: what waits stays within maxQueueSize, the rest is dropped, close bounded', async (t) => {
  const log = logLines()
  const { app, url } = await appTo(`http://127.0.0.1:${await blackHole(t)}`, log)
  await serveUnchanged(t, url, 200)
  const closing = Date.now()
  await app.close()
  const took = Date.now() - closing
  t.ok(took < 8500, `close returned in ${took} ms, exports still unanswered`)
  const total = lossLines(log).pop()
  t.equal(Number(total?.droppedSpans) + Number(total?.failedSpans), 200, 'every span accounted for')
  t.ok(Number(total?.droppedSpans) >= 150, `no more than maxQueueSize waited at once (${String(total?.droppedSpans)} dropped)`)
})

test('a slow collector: requests are not slowed, and the spans still arrive at close', async (t) => {
  const receiver = await startOfficialReceiver({ delayMs: 2500 })
  t.teardown(() => receiver.close())
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint })
  app.get('/fast', async () => ({ ok: true }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const slowest = { ms: 0 }
  for (let i = 0; i < 30; i++) {
    const started = Date.now()
    const res = await fetch(`${url}/fast`, { headers: { 'x-test-id': String(i) } })
    await res.text()
    slowest.ms = Math.max(slowest.ms, Date.now() - started)
    if (i === 10) await new Promise((resolve) => setTimeout(resolve, 1200))
  }
  t.ok(slowest.ms < 1000, `the slowest request took ${slowest.ms} ms while exports took 2.5 s each`)
  await app.close()
  t.equal(receiver.spans.length, 30, 'every span delivered')
})

test('a flapping collector: spans sent while it refuses are lost and counted, later ones arrive', async (t) => {
  let refusing = true
  const receiver = await startOfficialReceiver({ refuse: () => refusing })
  t.teardown(() => receiver.close())
  const log = logLines()
  const app = Fastify({ logger: { level: 'warn', stream: log.stream } })
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, apiKey: 'k' })
  app.get('/ping', async () => 'pong')
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const send = async (id: string): Promise<void> => { await (await fetch(`${url}/ping`, { headers: { 'x-test-id': id } })).text() }
  for (let i = 0; i < 5; i++) await send(`down-${i}`)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  refusing = false
  for (let i = 0; i < 5; i++) await send(`up-${i}`)
  await receiver.until((spans) => spans.length >= 5)
  const ids = receiver.spans.map((s) => String(s.attributes['http.request.header.x-test-id'])).sort()
  t.same(ids, ['up-0', 'up-1', 'up-2', 'up-3', 'up-4'], 'the spans sent once it is back arrive')
  await app.close()
  const total = log.lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('not delivered')).pop()
  t.equal(total?.failedSpans, 5, 'the refused ones are counted')
})
