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
import type { FastifyInstance } from 'fastify'
import { startOfficialReceiver, type DecodedSpan } from '../helpers/official-receiver'
import type { Teardown } from '../helpers/teardown'
import type { Upstream } from '../helpers/upstream'

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

interface Traced {
  upstream: Upstream
  /** GETs `path` on the app with `x-test-id: id`; its status. */
  get (path: string, id: string): Promise<number>
  /** Closes the app and returns every APItoolkit span the receiver got; the SDK's spans are flushed too. */
  spans (): Promise<DecodedSpan[]>
}

/** The plugin on a Fastify app exporting to a receiver of its own, beside an upstream; `routes` adds the handlers. */
async function startTraced (t: Teardown, monitorOutgoing: boolean, routes: (app: FastifyInstance, upstream: string) => void): Promise<Traced> {
  exporter.reset()
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  const upstream = await startUpstream(t)
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: receiver.endpoint, monitorOutgoing })
  routes(app, upstream.url)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    upstream,
    get: async (path, id) => (await fetch(`${url}${path}`, { headers: { 'x-test-id': id } })).status,
    spans: async () => {
      await app.close()
      await provider.forceFlush()
      return receiver.spans
    }
  }
}

for (const monitorOutgoing of [false, true]) {
  test(`one trace per request, one traceparent per call (monitorOutgoing: ${String(monitorOutgoing)})`, async (t) => {
    const traced = await startTraced(t, monitorOutgoing, (app, up) => {
      app.get('/observed', async (request) => await (await request.apitoolkit.observe.get(`${up}/items/1`)).json())
      app.get('/plain', async () => await (await fetch(`${up}/items/2`)).json())
    })
    const { upstream } = traced
    t.equal(await traced.get('/observed', 'observed'), 200)
    t.equal(await traced.get('/plain', 'plain'), 200)
    const spans = await traced.spans()
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

// eslint-disable-next-line @typescript-eslint/no-require-imports
const axios = require('axios') as typeof import('axios').default
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { callWith } = require('../helpers/clients') as typeof import('../helpers/clients')
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { headerLines } = require('../helpers/upstream') as typeof import('../helpers/upstream')

for (const monitorOutgoing of [false, true]) {
  test(`node:http, axios and got beside the http instrumentation: one traceparent per call, of the request's trace (monitorOutgoing: ${String(monitorOutgoing)})`, async (t) => {
    const traced = await startTraced(t, monitorOutgoing, (app, up) => {
      app.get('/clients', async (request) => {
        await callWith('http', `${up}/items/http`)
        await callWith('axios', `${up}/items/axios`)
        await callWith('got', `${up}/items/got`)
        await request.apitoolkit.observeAxios(axios).get(`${up}/items/observed`)
        return { ok: true }
      })
    })
    const { upstream } = traced
    t.equal(await traced.get('/clients', 'clients'), 200)
    const spans = await traced.spans()
    const incoming = spans.find((s) => s.attributes['http.request.header.x-test-id'] === 'clients')
    if (incoming === undefined) throw new Error('no APItoolkit span for the request')
    const ours = spans.filter((s) => s.attributes['apitoolkit.sdk_type'] === 'JsOutgoing')
    const theirs = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT)
    for (const client of ['http', 'axios', 'got', 'observed']) {
      const lines = headerLines(upstream.one(`/items/${client}`), 'traceparent')
      t.equal(lines.length, 1, `${client}: exactly one traceparent`)
      const [, traceId, spanId] = lines[0].split('-')
      t.equal(traceId, incoming.traceId, `${client}: of the request's trace`)
      const named = [...ours.map((s) => s.spanId), ...theirs.map((s) => s.spanContext().spanId)]
      t.ok(named.includes(spanId), `${client}: naming a CLIENT span of that trace`)
    }
    const observed = ours.filter((s) => s.attributes['http.target'] === '/items/observed')
    t.equal(observed.length, 1, 'the observeAxios call has its span')
    t.equal(headerLines(upstream.one('/items/observed'), 'traceparent')[0].split('-')[2], observed[0].spanId, 'and the traceparent names it: the http instrumentation kept out')
    t.notOk(theirs.some((s) => JSON.stringify(s.attributes).includes('/items/observed')), 'which did not record it')
    t.equal(ours.length, monitorOutgoing ? 4 : 1, 'one APItoolkit span per recorded call')
  })
}
