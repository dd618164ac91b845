// Beside OpenTelemetry's own http and undici instrumentations (a NodeTracerProvider registered first, as
// `node --require @opentelemetry/auto-instrumentations-node/register` does): one trace per request,
// and exactly one traceparent on each outgoing call.
import { test } from 'tap'
import { ROOT_CONTEXT, SpanKind, trace, type TextMapGetter } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import type { IncomingHttpHeaders } from 'node:http'
import { startOfficialReceiver } from '../helpers/official-receiver'

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
provider.register()
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()] })
// Loaded after the instrumentations, as under --require: they patch http before Fastify creates its server.
/* eslint-disable @typescript-eslint/no-require-imports */
const Fastify = require('fastify') as typeof import('fastify').default
const apitoolkit = require('../..') as typeof import('../..').default
const { startUpstream } = require('../helpers/upstream') as typeof import('../helpers/upstream')
/* eslint-enable @typescript-eslint/no-require-imports */

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key]
}

for (const monitorOutgoing of [false, true]) {
  test(`one trace per request, one traceparent per call (monitorOutgoing: ${String(monitorOutgoing)})`, async (t) => {
    exporter.reset()
    const receiver = await startOfficialReceiver()
    t.teardown(() => receiver.close())
    const upstream = await startUpstream(t)
    const app = Fastify()
    await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, monitorOutgoing })
    app.get('/observed', async (request) => await (await request.apitoolkit.observe.get(`${upstream.url}/items/1`)).json())
    app.get('/plain', async () => await (await fetch(`${upstream.url}/items/2`)).json())
    const url = await app.listen({ host: '127.0.0.1', port: 0 })
    t.equal((await fetch(`${url}/observed`, { headers: { 'x-test-id': 'observed' } })).status, 200)
    t.equal((await fetch(`${url}/plain`, { headers: { 'x-test-id': 'plain' } })).status, 200)
    await app.close()
    await provider.forceFlush()

    const spans = receiver.spans
    for (const [id, path] of [['observed', '/items/1'], ['plain', '/items/2']]) {
      const incoming = spans.find((s) => s.attributes['http.request.header.x-test-id'] === id)
      if (incoming === undefined) throw new Error(`no APItoolkit span for ${id}`)
      const httpServer = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === incoming.parentSpanId)
      t.equal(httpServer?.kind, SpanKind.SERVER, `${id}: the APItoolkit span is a child of the http server span`)
      t.equal(httpServer?.spanContext().traceId, incoming.traceId, `${id}: in the same trace`)
      t.match(JSON.stringify(httpServer?.attributes), `/${id}`, `${id}: the server span of this very request`)
      t.equal(incoming.kind, 1, `${id}: INTERNAL under another instrumentation's server span`)

      const received = upstream.one(path)
      const header = received.headers.traceparent
      t.type(header, 'string', `${id}: the upstream got one traceparent header`)
      t.notMatch(String(header), /,/, `${id}: not two joined with a comma`)
      const extracted = trace.getSpanContext(new W3CTraceContextPropagator().extract(ROOT_CONTEXT, received.headers, headerGetter))
      t.equal(extracted?.traceId, incoming.traceId, `${id}: the traceparent names a span of the request's trace`)
    }
    const observedCall = spans.find((s) => s.attributes['apitoolkit.sdk_type'] === 'JsOutgoing' && s.attributes['http.target'] === '/items/1')
    t.equal(
      upstream.one('/items/1').headers.traceparent?.toString().split('-')[2], observedCall?.spanId,
      'through observe, the traceparent names the APItoolkit CLIENT span'
    )
  })
}
