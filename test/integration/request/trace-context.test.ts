// Which trace a request's span joins, and whether its context is made active while the request is served:
// only when something can read it (a global TracerProvider's instrumentations, or the outgoing monitor).
// The tests run in order in one process: a context manager first, as any OpenTelemetry setup has (so an
// active context would be seen), then the outgoing monitor, then a global provider.
import { test, type Test } from 'tap'
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import type { FastifyInstance } from 'fastify'
import type { ApitoolkitOptions } from '../../..'
import { spanFor, startHarness } from '../../helpers/harness'

test('an incoming traceparent continues that trace', async (t) => {
  const h = await startHarness(t, (app) => { app.get('/', async () => 'ok') })
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
  const parentId = '00f067aa0ba902b7'
  await (await fetch(`${h.url}/`, { headers: { 'x-test-id': 'traced', traceparent: `00-${traceId}-${parentId}-01` } })).text()
  const s = spanFor(await h.closeApp(), 'traced')
  t.equal(s.traceId, traceId)
  t.equal(s.parentSpanId, parentId)
  t.equal(s.kind, 2, 'still SERVER: the parent is another process\'s span')
})

/** What `trace.getActiveSpan()` gave at each step of one request: a span id, or 'none'. */
type Seen = Record<string, string>

/** Routes and hooks that note the active span's id at every step, by x-test-id. */
function noteActiveSpans (app: FastifyInstance, seen: Map<string, Seen>, extra?: () => void): void {
  const note = (id: unknown, step: string): void => {
    const entry = seen.get(String(id)) ?? {}
    const active = trace.getActiveSpan()
    entry[step] = active === undefined ? 'none' : `${active.spanContext().traceId}/${active.spanContext().spanId}`
    if (active === undefined && context.active() !== ROOT_CONTEXT) entry[step] = 'a context without a span'
    seen.set(String(id), entry)
  }
  app.addHook('onRequest', async (request) => { note(request.headers['x-test-id'], 'onRequest') })
  app.addHook('preValidation', async (request) => { note(request.headers['x-test-id'], 'preValidation') })
  app.addHook('preHandler', async (request) => { note(request.headers['x-test-id'], 'preHandler') })
  app.get('/users/:id', async (request) => {
    note(request.headers['x-test-id'], 'handler')
    extra?.()
    return { ok: true }
  })
  app.post('/orders', async (request) => {
    note(request.headers['x-test-id'], 'handler')
    extra?.()
    return { received: request.body }
  })
}

const STEPS = ['onRequest', 'preValidation', 'preHandler', 'handler']

async function serveBoth (url: string): Promise<void> {
  await (await fetch(`${url}/users/1`, { headers: { 'x-test-id': 'no-body' } })).text()
  await (await fetch(`${url}/orders`, {
    method: 'POST', headers: { 'x-test-id': 'with-body', 'content-type': 'application/json' }, body: JSON.stringify({ item: 'book' })
  })).text()
}

const manager = new AsyncLocalStorageContextManager().enable()

test('without a global provider or monitorOutgoing, no context is made active', async (t) => {
  t.ok(context.setGlobalContextManager(manager), 'a context manager is in place: an active context would be seen')
  t.notOk(trace.getTracerProvider() instanceof NodeTracerProvider, 'no global provider yet')
  const seen = new Map<string, Seen>()
  const h = await startHarness(t, (app) => { noteActiveSpans(app, seen) }, { captureRequestBody: true })
  await serveBoth(h.url)
  const spans = await h.closeApp()
  t.equal(spans.length, 2, 'both requests traced all the same')
  for (const id of ['no-body', 'with-body']) {
    t.same(seen.get(id), Object.fromEntries(STEPS.map((step) => [step, 'none'])), `${id}: no span and no context active at any step`)
  }
})

async function activeWith (t: Test, options: ApitoolkitOptions, extra?: () => void): Promise<void> {
  const seen = new Map<string, Seen>()
  const h = await startHarness(t, (app) => { noteActiveSpans(app, seen, extra) }, { captureRequestBody: true, ...options })
  await serveBoth(h.url)
  const spans = await h.closeApp()
  for (const id of ['no-body', 'with-body']) {
    const span = spanFor(spans, id)
    const own = `${span.traceId}/${span.spanId}`
    t.same(seen.get(id), Object.fromEntries(STEPS.map((step) => [step, own])), `${id}: the APItoolkit span is active in every hook and the handler`)
  }
}

test('with monitorOutgoing, the span is active while hooks and the handler run', async (t) => {
  await activeWith(t, { monitorOutgoing: true })
})

test('with a global provider, the span is active and other instrumentations\' spans are its children', async (t) => {
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  provider.register()
  t.teardown(async () => {
    trace.disable()
    propagation.disable()
    await provider.shutdown()
  })
  await activeWith(t, {}, () => { trace.getTracer('the-app').startSpan('app work').end() })
  const finished = exporter.getFinishedSpans()
  t.same(finished.map((s) => s.name), ['app work', 'app work'], 'the provider saw the app\'s spans and never an APItoolkit span')
})
