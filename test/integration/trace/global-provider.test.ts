// With a TracerProvider already registered (the user's NodeSDK), the plugin still exports its own span to
// its own endpoint, never through that provider; spans other code starts while the handler runs are
// children of the APItoolkit span; app.close() leaves the provider working.
import { test } from 'tap'
import { trace, type SpanContext } from '@opentelemetry/api'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { PACKAGE } from '../../../lib/package-info'
import { startOfficialReceiver } from '../../helpers/official-receiver'

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
provider.register()

const REQUEST_HEADERS = 150
const RESPONSE_HEADERS = 30

test('beside a global provider: own export, children of its span, every header, provider left working', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, serviceName: 'global-test' })
  // What the handler saw as the active span, per route: the body-less one runs straight from onRequest,
  // the one with a body after it was read.
  const active: Record<string, SpanContext | undefined> = {}
  const work = (name: string): void => {
    active[name] = trace.getActiveSpan()?.spanContext()
    trace.getTracer('user-code').startSpan(`work ${name}`).end()
  }
  app.get('/many', async (_request, reply) => {
    work('/many')
    for (let i = 0; i < RESPONSE_HEADERS; i++) reply.header(`x-r-${i}`, `r${i}`)
    return { ok: true }
  })
  app.post('/with-body', async (request) => {
    work('/with-body')
    return request.body
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const headers = Object.fromEntries(Array.from({ length: REQUEST_HEADERS }, (_, i) => [`x-h-${i}`, `v${i}`]))
  const many = await fetch(`${url}/many`, { headers: { ...headers, 'x-test-id': '/many' } })
  t.equal(many.status, 200)
  await many.arrayBuffer()
  const withBody = await fetch(`${url}/with-body`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': '/with-body' }, body: '{"a":1}'
  })
  t.same(await withBody.json(), { a: 1 })
  await app.close()

  const received = receiver.spans
  t.equal(received.length, 2, 'the plugin exported one span per request to its own endpoint')
  t.same(received.map((s) => s.name), ['monoscope.http', 'monoscope.http'], 'only APItoolkit spans reach its endpoint')
  t.equal(new Set(received.map((s) => s.spanId)).size, 2, 'no span is received twice')
  const global = exporter.getFinishedSpans()
  t.same(global.map((s) => s.name).sort(), ['work /many', 'work /with-body'], "the global provider's exporter got only the user's spans")
  const receivedIds = new Set(received.map((s) => s.spanId))
  t.same(global.filter((s) => receivedIds.has(s.spanContext().spanId)), [], 'no APItoolkit span went through the global provider')

  for (const route of ['/many', '/with-body']) {
    const span = received.find((s) => s.attributes['http.request.header.x-test-id'] === route)
    if (span === undefined) throw new Error(`no APItoolkit span for ${route}`)
    t.equal(span.kind, 2, `${route}: SERVER, no other instrumentation's server span above it`)
    t.equal(span.parentSpanId, '', `${route}: a new trace`)
    t.same(span.scope, { name: 'apitoolkit-fastify', version: PACKAGE.version }, `${route}: the scope is the package`)
    t.equal(span.resource['service.name'], 'global-test', `${route}: the resource is the plugin's`)
    const seen = active[route]
    t.same(seen === undefined ? 'no active span' : { traceId: seen.traceId, spanId: seen.spanId },
      { traceId: span.traceId, spanId: span.spanId }, `${route}: the handler's active span is the APItoolkit span`)
    const child = global.find((s) => s.name === `work ${route}`)
    t.equal(child?.spanContext().traceId, span.traceId, `${route}: the user's span is in the APItoolkit span's trace`)
    t.equal(child?.parentSpanContext?.spanId, span.spanId, `${route}: and its parent is the APItoolkit span`)
  }

  const attributes = received.find((s) => s.attributes['http.request.header.x-test-id'] === '/many')?.attributes ?? {}
  const missingRequest = Array.from({ length: REQUEST_HEADERS }, (_, i) => i).filter((i) => attributes[`http.request.header.x-h-${i}`] !== `v${i}`)
  const missingResponse = Array.from({ length: RESPONSE_HEADERS }, (_, i) => i).filter((i) => attributes[`http.response.header.x-r-${i}`] !== `r${i}`)
  t.same(missingRequest, [], `all ${REQUEST_HEADERS} request headers arrived, no count limit`)
  t.same(missingResponse, [], `all ${RESPONSE_HEADERS} response headers arrived`)
  for (const key of ['apitoolkit.msg_id', 'http.route', 'http.target', 'http.request.method', 'http.response.status_code', 'apitoolkit.errors']) {
    t.ok(key in attributes, `${key} is there beside them`)
  }

  trace.getTracer('after-close').startSpan('still-works').end()
  t.equal(exporter.getFinishedSpans().at(-1)?.name, 'still-works', 'app.close() did not shut the global provider down')
})
