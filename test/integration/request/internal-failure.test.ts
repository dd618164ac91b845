// A failure inside the plugin's own code never reaches the client: the response is byte for byte what
// Fastify alone sends, and each distinct failure is logged once, at error level, through Fastify's logger,
// however many requests hit it. Each test makes one step of the plugin throw by replacing a method of the
// built package the app loads (the request's record, the span, the encoder), restored after the test.
import { test, type Test } from 'tap'
import type { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit, { reportError } from '../../..'
import { ApitoolkitSpan } from '../../../dist/lib/span/apitoolkit-span'
import { RequestRecord } from '../../../dist/lib/request/request-record'
import { SpanBatch } from '../../../dist/lib/export/otlp-encoder'
import { startBare } from '../../helpers/bare'
import { decodeBase64 } from '../../helpers/harness'
import { logSink, type LogLine } from '../../helpers/log-sink'
import { startOfficialReceiver, type DecodedSpan } from '../../helpers/official-receiver'
import { rawRequest, type RawResponse } from '../../helpers/raw'
import type { Teardown } from '../../helpers/teardown'

/** Replaces `target[key]` by a function that throws `message`, until the test ends; counts the calls. */
function explode<T extends object> (t: Teardown, target: T, key: keyof T & string, message: string): { calls: number } {
  const original = Object.getOwnPropertyDescriptor(target, key)
  if (original === undefined) throw new Error(`${key} is not an own property of its target: the seam moved`)
  const counter = { calls: 0 }
  Object.defineProperty(target, key, {
    ...original,
    value () {
      counter.calls++
      throw new Error(message)
    }
  })
  t.teardown(() => { Object.defineProperty(target, key, original) })
  return counter
}

/** What handlers saw go wrong on the plugin's side: the plugin's calls must never throw into them. */
const handlerTrouble: unknown[] = []

/** The same routes on the instrumented app and on the bare one. `self` is the app's own URL, for outgoing calls. */
function routes (app: FastifyInstance, self: () => string): void {
  app.get('/json/:id', async (request) => ({ id: (request.params as { id: string }).id, query: request.query, tags: ['a', 'b'] }))
  app.post('/orders', async (request, reply) => {
    try {
      // Undefined on the bare app, where no plugin decorates the request.
      request.apitoolkit?.reportError(new Error('payment declined'))
      reportError(request, 'a handled string error')
    } catch (err) {
      handlerTrouble.push(err)
    }
    reply.header('x-order-id', '42')
    return { received: request.body, password: 'hunter2' }
  })
  app.get('/boom', async () => { throw new Error('handler exploded') })
  app.get('/outgoing', async (request) => {
    const url = `${self()}/json/7?via=outgoing`
    const res = request.apitoolkit === undefined ? await fetch(url) : await request.apitoolkit.observe.get(url, { urlWildcard: '/json/:id' })
    return { status: res.status, body: await res.json() as unknown }
  })
}

const json = { 'content-type': 'application/json' }
const REQUESTS: Array<[string, string, Record<string, string>, string | undefined]> = [
  ['GET', '/json/1?q=x&q=y', { authorization: 'Bearer secret' }, undefined],
  ['POST', '/orders', json, JSON.stringify({ item: 'book', password: 'p4ss' })],
  ['POST', '/orders', json, '{"not json'],
  ['GET', '/missing', {}, undefined],
  ['GET', '/boom', {}, undefined],
  ['GET', '/outgoing', {}, undefined],
  // Answered by Fastify's router before any hook: the plugin's watcher records it on its own path.
  ['GET', '/json/%E0%A4%A', {}, undefined]
]
const ROUNDS = 3
/** Every request of a round, the request /outgoing makes to the app itself, and that call's outgoing span. */
const SPANS_PER_ROUND = REQUESTS.length + 2

async function serveAll (base: string): Promise<RawResponse[]> {
  const out: RawResponse[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const [method, path, headers, body] of REQUESTS) out.push(await rawRequest(base, method, path, headers, body))
  }
  return out
}

/** The instrumented app, exporting to `endpoint` and logging into `stream`. */
async function instrumentedApp (t: Teardown, endpoint: string, stream: Writable): Promise<{ app: FastifyInstance, url: string }> {
  let url = ''
  const app = Fastify({ logger: { level: 'info', stream } })
  await app.register(apitoolkit, {
    otlpEndpoint: endpoint,
    apiKey: 'internal-failure',
    captureRequestBody: true,
    captureResponseBody: true,
    redactRequestBody: ['$.password'],
    redactResponseBody: ['$.password']
  })
  routes(app, () => url)
  url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  return { app, url }
}

function sameResponses (t: Test, bare: RawResponse[], instrumented: RawResponse[]): void {
  t.equal(instrumented.length, bare.length)
  bare.forEach((expected, i) => {
    const [method, path] = REQUESTS[i % REQUESTS.length]
    const actual = instrumented[i]
    const label = `${method} ${path} (round ${Math.floor(i / REQUESTS.length) + 1})`
    t.equal(actual.status, expected.status, `${label}: status`)
    t.same(actual.headers, expected.headers, `${label}: headers, date aside`)
    t.ok(actual.body.equals(expected.body), `${label}: body bytes`)
  })
  // The routes above answer with these, so a failure turned into a 500 could not go unnoticed.
  t.same(bare.slice(0, REQUESTS.length).map((r) => r.status), [200, 200, 400, 404, 500, 200, 400], 'the bare app answers as intended')
}

/** The plugin's own warn and error lines, by what failed ("apitoolkit-fastify: <where> failed; ..."). */
function pluginFailures (lines: LogLine[]): Map<string, LogLine[]> {
  const byWhere = new Map<string, LogLine[]>()
  for (const line of lines) {
    if (line.level < 40 || !line.msg.startsWith('apitoolkit-fastify')) continue
    const where = /^apitoolkit-fastify: (.+) failed;/.exec(line.msg)?.[1] ?? line.msg
    byWhere.set(where, [...(byWhere.get(where) ?? []), line])
  }
  return byWhere
}

interface Served { lines: LogLine[], spans: DecodedSpan[] }

/**
 * Serves every request on a bare app and on an instrumented one (with whatever the test broke), checks
 * that the responses are the same, closes the app and returns what it logged and exported.
 */
async function serveAndCompare (t: Test): Promise<Served> {
  handlerTrouble.length = 0
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const { stream, lines } = logSink()
  let bareUrl = ''
  bareUrl = await startBare(t, (app) => { routes(app, () => bareUrl) })
  const { app, url } = await instrumentedApp(t, receiver.endpoint, stream)
  const bare = await serveAll(bareUrl)
  const instrumented = await serveAll(url)
  sameResponses(t, bare, instrumented)
  await t.resolves(async () => { await app.close() }, 'app.close() resolves')
  return { lines, spans: receiver.spans }
}

/** Checks that `where` was logged exactly once, at error level, with the error that caused it. */
function loggedOnce (t: Test, failures: Map<string, LogLine[]>, where: string, message: string): void {
  const logged = failures.get(where) ?? []
  t.equal(logged.length, 1, `${where}: logged once for all requests`)
  t.equal(logged[0]?.level, 50, `${where}: at error level`)
  t.equal(logged[0]?.err?.message, message, `${where}: with the error that caused it`)
}

function nothingElse (t: Test, failures: Map<string, LogLine[]>, expected: string[]): void {
  t.same([...failures.keys()].filter((where) => !expected.includes(where)), [], 'no other failure or warning from the plugin')
}

test('starting the span throws: requests served unchanged without a span, the failure logged once', async (t) => {
  const broken = explode(t, ApitoolkitSpan, 'incoming', 'span start exploded')
  const { lines, spans } = await serveAndCompare(t)

  const incoming = (REQUESTS.length + 1) * ROUNDS
  t.ok(broken.calls >= incoming, `every request tried to start its span (${broken.calls} for ${incoming} requests)`)
  t.equal(spans.length, 0, 'no span was exported')
  t.same(handlerTrouble, [], 'reportError on an untraced request never threw into a handler')
  const failures = pluginFailures(lines)
  loggedOnce(t, failures, 'starting the span', 'span start exploded')
  loggedOnce(t, failures, 'recording a request Fastify answered before its hooks', 'span start exploded')
  nothingElse(t, failures, ['starting the span', 'recording a request Fastify answered before its hooks'])
})

test('ending the span throws: responses unchanged, each failure logged once', async (t) => {
  const broken = explode(t, ApitoolkitSpan.prototype, 'end', 'span end exploded')
  const { lines, spans } = await serveAndCompare(t)

  t.ok(broken.calls >= SPANS_PER_ROUND * ROUNDS, `every span failed to end (${broken.calls} failed calls for ${SPANS_PER_ROUND * ROUNDS} spans)`)
  t.equal(spans.length, 0, 'no span was exported')
  t.same(handlerTrouble, [], 'reportError never threw into a handler')
  const failures = pluginFailures(lines)
  loggedOnce(t, failures, 'ending the span', 'span end exploded')
  loggedOnce(t, failures, 'recording a request Fastify answered before its hooks', 'span end exploded')
  loggedOnce(t, failures, 'recording an outgoing call', 'span end exploded')
  nothingElse(t, failures, ['ending the span', 'recording a request Fastify answered before its hooks', 'recording an outgoing call'])
})

test('encoding a span for export throws: responses unchanged, each failure logged once', async (t) => {
  const broken = explode(t, SpanBatch.prototype, 'add', 'encoder exploded')
  const { lines, spans } = await serveAndCompare(t)

  t.ok(broken.calls >= SPANS_PER_ROUND * ROUNDS, `every span failed to encode (${broken.calls} for ${SPANS_PER_ROUND * ROUNDS} spans)`)
  t.equal(spans.length, 0, 'no span was exported')
  const failures = pluginFailures(lines)
  loggedOnce(t, failures, 'ending the span', 'encoder exploded')
  loggedOnce(t, failures, 'recording a request Fastify answered before its hooks', 'encoder exploded')
  loggedOnce(t, failures, 'recording an outgoing call', 'encoder exploded')
  nothingElse(t, failures, ['ending the span', 'recording a request Fastify answered before its hooks', 'recording an outgoing call'])
})

test('capturing the request body throws: responses unchanged, spans exported without it, logged once', async (t) => {
  const broken = explode(t, RequestRecord.prototype, 'captureRequestBody', 'body capture exploded')
  const { lines, spans } = await serveAndCompare(t)

  // Only requests whose body parsed reach the capture: the JSON /orders, and the GETs' empty bodies.
  t.ok(broken.calls >= ROUNDS, `the capture failed on every round (${broken.calls} calls)`)
  t.equal(spans.length, SPANS_PER_ROUND * ROUNDS, 'every span exported all the same')
  t.same(spans.filter((s) => s.attributes['http.request.body'] !== '').map((s) => s.attributes['http.target']), [], 'with no request body')
  const orders = spans.filter((s) => s.attributes['http.route'] === '/orders' && s.attributes['http.response.status_code'] === 200)
  t.equal(orders.length, ROUNDS, 'the /orders spans are there')
  for (const s of orders) t.same(JSON.parse(decodeBase64(s.attributes['http.response.body'])), { received: { item: 'book', password: 'p4ss' }, password: '[CLIENT_REDACTED]' }, 'the response body still captured and redacted')
  const failures = pluginFailures(lines)
  loggedOnce(t, failures, 'capturing the request body', 'body capture exploded')
  nothingElse(t, failures, ['capturing the request body'])
})

test('ending the span of an aborted request throws: the server keeps serving, the failure logged once', async (t) => {
  explode(t, RequestRecord.prototype, 'abort', 'abort exploded')
  const http = await import('node:http')
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const { stream, lines } = logSink()
  let markArrived: () => void = () => {}
  let arrived = new Promise<void>((resolve) => { markArrived = resolve })
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  t.teardown(() => { release() })
  const app = Fastify({ logger: { level: 'info', stream } })
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, apiKey: 'internal-failure' })
  app.get('/slow', async () => {
    markArrived()
    await released
    return { late: true }
  })
  app.get('/fine', async () => ({ fine: true }))
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  for (let i = 0; i < 2; i++) {
    const req = http.get(`${url}/slow`)
    req.on('error', () => {})
    await arrived
    arrived = new Promise<void>((resolve) => { markArrived = resolve })
    const closed = new Promise((resolve) => req.on('close', resolve))
    req.destroy()
    await closed
  }
  const res = await fetch(`${url}/fine`)
  t.equal(res.status, 200, 'the next request is served')
  t.same(await res.json(), { fine: true })
  release()
  await app.close()
  const failures = pluginFailures(lines)
  const where = 'ending the span of an aborted request'
  loggedOnce(t, failures, where, 'abort exploded')
  nothingElse(t, failures, [where])
  t.ok(receiver.spans.some((s) => s.attributes['http.route'] === '/fine'), 'spans still flow')
})

test('recording an error throws: responses unchanged, reportError never throws into a handler, logged once', async (t) => {
  const broken = explode(t, ApitoolkitSpan.prototype, 'recordError', 'error recording exploded')
  const { lines, spans } = await serveAndCompare(t)

  t.ok(broken.calls >= 3 * ROUNDS, `every error failed to record (${broken.calls} calls)`)
  t.same(handlerTrouble, [], 'reportError never threw into a handler')
  t.equal(spans.length, SPANS_PER_ROUND * ROUNDS, 'every span exported all the same')
  const failures = pluginFailures(lines)
  loggedOnce(t, failures, 'recording an error', 'error recording exploded')
  const others = [...failures.values()].flat().filter((line) => line.err?.message !== 'error recording exploded')
  t.same(others, [], 'no other failure or warning from the plugin')
})

test('the same routes with nothing broken: every span exported, nothing logged', async (t) => {
  // The control: the failures above come from what each test broke, not from the routes or the harness.
  const { lines, spans } = await serveAndCompare(t)
  t.equal(spans.length, SPANS_PER_ROUND * ROUNDS, 'a span per request and per outgoing call')
  t.same(handlerTrouble, [], 'nothing thrown into a handler')
  t.same([...pluginFailures(lines).keys()], [], 'no failure logged')
})
