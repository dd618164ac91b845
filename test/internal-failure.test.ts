// A failure inside the plugin's own code never reaches the client (issue 7): the response is byte for byte
// what Fastify alone sends, and each distinct failure is logged once through Fastify's logger, however many
// requests hit it. The failures are real ones, made through a public seam rather than by mocking lib/: the
// process's global TracerProvider (which the plugin uses when there is one) has a span processor with a
// bug, as a user's own processor might. It either makes every span's setAttributes throw (the plugin's
// capture fails when it ends the span) or throws from onStart (the tracer's startSpan throws).
import { test, type Test } from 'tap'
import { Writable } from 'node:stream'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-node'
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit, { reportError } from '..'
import { rawRequest, type RawResponse } from './helpers/raw'

type Sabotage = 'none' | 'setAttributes' | 'startSpan'

/** Which bug the processor has; each test sets it before its app is built. */
let sabotage: Sabotage = 'none'
let setAttributesCalls = 0
let startCalls = 0

const faultyProcessor: SpanProcessor = {
  onStart (span: Span) {
    startCalls++
    if (sabotage === 'startSpan') throw new Error('span processor exploded in onStart')
    if (sabotage === 'setAttributes') {
      // An own property shadows the SDK's method on this span only.
      span.setAttributes = () => {
        setAttributesCalls++
        throw new Error('setAttributes exploded')
      }
    }
  },
  onEnd () {},
  forceFlush: async () => {},
  shutdown: async () => {}
}
const exporter = new InMemorySpanExporter()
// The faulty processor first: when its onStart throws, the SDK's loop stops before the exporting one.
const provider = new NodeTracerProvider({ spanProcessors: [faultyProcessor, new SimpleSpanProcessor(exporter)] })
// Global, and before any app registers the plugin: the plugin picks its pipeline at register time.
provider.register()

interface LogLine { level: number, msg: string, err?: { message?: string } }

function logSink (): { stream: Writable, lines: LogLine[] } {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    }
  })
  return { stream, lines }
}

/** What handlers saw go wrong on the plugin's side: reportError must never throw into them. */
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

async function serveAll (base: string): Promise<RawResponse[]> {
  const out: RawResponse[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const [method, path, headers, body] of REQUESTS) out.push(await rawRequest(base, method, path, headers, body))
  }
  return out
}

async function listen (app: FastifyInstance): Promise<string> {
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

/** Serves every request on a bare app and on an instrumented one, and returns both sets of responses. */
async function compare (t: Test, stream: Writable): Promise<{ bare: RawResponse[], instrumented: RawResponse[], app: FastifyInstance }> {
  let bareUrl = ''
  const bare = Fastify()
  routes(bare, () => bareUrl)
  bareUrl = await listen(bare)
  t.teardown(() => bare.close())

  let appUrl = ''
  const app = Fastify({ logger: { level: 'info', stream } })
  await app.register(apitoolkit, {
    serviceName: 'internal-failure',
    captureRequestBody: true,
    captureResponseBody: true,
    redactRequestBody: ['$.password'],
    redactResponseBody: ['$.password']
  })
  routes(app, () => appUrl)
  appUrl = await listen(app)
  t.teardown(() => app.close())

  return { bare: await serveAll(bareUrl), instrumented: await serveAll(appUrl), app }
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

/** The plugin's own warn/error lines, by what failed ("apitoolkit-fastify: <where> failed; ..."). */
function pluginFailures (lines: LogLine[]): Map<string, LogLine[]> {
  const byWhere = new Map<string, LogLine[]>()
  for (const line of lines) {
    if (line.level < 40 || !line.msg.startsWith('apitoolkit-fastify')) continue
    const where = /^apitoolkit-fastify: (.+) failed;/.exec(line.msg)?.[1] ?? line.msg
    byWhere.set(where, [...(byWhere.get(where) ?? []), line])
  }
  return byWhere
}

/**
 * Serves every request of the test with the processor's bug set to `mode`, checks the responses against
 * bare Fastify's, closes the app and returns what it logged.
 */
async function serveWith (t: Test, mode: Sabotage): Promise<LogLine[]> {
  sabotage = mode
  setAttributesCalls = 0
  startCalls = 0
  handlerTrouble.length = 0
  exporter.reset()
  t.teardown(() => { sabotage = 'none' })
  const { stream, lines } = logSink()
  const { bare, instrumented, app } = await compare(t, stream)
  sameResponses(t, bare, instrumented)
  await app.close()
  return lines
}

test('setAttributes throws on every span: responses unchanged, each failure logged once', async (t) => {
  const lines = await serveWith(t, 'setAttributes')

  const incoming = REQUESTS.length * ROUNDS
  t.ok(setAttributesCalls >= incoming, `every request's capture failed (${setAttributesCalls} failed setAttributes calls for ${incoming} requests)`)
  t.same(handlerTrouble, [], 'reportError never threw into a handler')

  const failures = pluginFailures(lines)
  const ending = failures.get('ending the span') ?? []
  t.equal(ending.length, 1, 'ending the span: logged once for all requests')
  t.equal(ending[0]?.level, 50, 'at error level')
  t.equal(ending[0]?.err?.message, 'setAttributes exploded', 'with the error that caused it')
  t.equal(failures.get('recording a request Fastify answered before its hooks')?.length, 1, 'the router-answered requests: logged once')
  // The outgoing span ends when the copy of its body is read, which may come after the response; at most once.
  t.ok((failures.get('recording an outgoing call')?.length ?? 0) <= 1, 'the outgoing calls: logged at most once')
  const expected = new Set(['ending the span', 'recording a request Fastify answered before its hooks', 'recording an outgoing call'])
  t.same([...failures.keys()].filter((where) => !expected.has(where)), [], 'no other failure or warning from the plugin')
})

test('startSpan throws: requests served unchanged without a span, the failure logged once', async (t) => {
  const lines = await serveWith(t, 'startSpan')

  const incoming = REQUESTS.length * ROUNDS
  t.ok(startCalls >= incoming, `every request tried to start its span (${startCalls} for ${incoming} requests)`)
  t.equal(exporter.getFinishedSpans().length, 0, 'no span was exported')
  t.same(handlerTrouble, [], 'reportError on an untraced request never threw into a handler')

  const failures = pluginFailures(lines)
  const starting = failures.get('starting the span') ?? []
  t.equal(starting.length, 1, 'starting the span: logged once for all requests')
  t.equal(starting[0]?.level, 50, 'at error level')
  t.equal(starting[0]?.err?.message, 'span processor exploded in onStart', 'with the error that caused it')
  t.equal(failures.get('recording a request Fastify answered before its hooks')?.length, 1, 'the router-answered requests: logged once')
  const expected = new Set(['starting the span', 'recording a request Fastify answered before its hooks'])
  t.same([...failures.keys()].filter((where) => !expected.has(where)), [], 'no other failure or warning from the plugin')
})

test('the same provider without the bug: spans are exported, nothing is logged', async (t) => {
  // The control: the failures above come from the sabotage, not from the routes or the provider itself.
  const lines = await serveWith(t, 'none')
  t.ok(exporter.getFinishedSpans().length >= REQUESTS.length * ROUNDS, 'a span per request')
  t.same([...pluginFailures(lines).keys()], [], 'no failure logged')
  await provider.shutdown()
})
