// The local collector over real gRPC: the official SDK's OTLP/gRPC exporter (or a raw gRPC client, for
// bytes the SDK never sends) → the collector's server → its decoder, and its printer behind it.
import t from 'tap'
import * as http2 from 'node:http2'
import * as net from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { SpanKind, SpanStatusCode, context, createTraceState, trace, TraceFlags } from '@opentelemetry/api'
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { startCollector, PortInUseError, EXPORT_PATH, type Collector } from '../../../lib/collector/collector-server'
import { decodeExportTraceServiceRequest, OtlpDecodeError } from '../../../lib/collector/otlp-decode'
import { createSpanPrinter } from '../../../lib/collector/collector-format'
import { ATTR, EXCEPTION_EVENT, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, SPAN_NAME } from '../../../lib/span/names'
import { handEncodedRequest } from '../../helpers/protobuf'
import { addException, b64, directProvider, startIncoming, startOutgoing } from '../../helpers/otlp-sender'
import type { Teardown } from '../../helpers/teardown'

/** The part of a tap test the helpers need. */

// ---- helpers -----------------------------------------------------------------------------------

function provider (endpoint: string, batch = false, resource: Record<string, string> = {}): NodeTracerProvider {
  const exporter = new OTLPTraceExporter({ url: endpoint })
  const processor = batch ? new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 }) : new SimpleSpanProcessor(exporter)
  return new NodeTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [processor] })
}

/** Sends raw request bytes to the collector's Export method, as any gRPC client would. */
function rawExport (endpoint: string, body: Buffer): Promise<{ err: grpc.ServiceError | null, ms: number }> {
  const client = new grpc.Client(endpoint.replace('http://', ''), grpc.credentials.createInsecure())
  const started = Date.now()
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, (err) => {
      client.close()
      resolve({ err, ms: Date.now() - started })
    })
  })
}

function listen (port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

async function collector (t: Teardown, options: Parameters<typeof startCollector>[0] = {}): Promise<Collector> {
  const c = await startCollector(options)
  t.teardown(() => c.close())
  return c
}


// ---- end to end through the real exporter --------------------------------------------------------

t.test('decodes every field of spans sent by the OTLP/gRPC exporter, events and flags included', async (t) => {
  const c = await collector(t)
  t.match(c.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(c.endpoint, `http://127.0.0.1:${c.port}`)
  const p = provider(c.endpoint, false, { 'service.name': 'orders-api', 'service.version': '2.3.0', 'at-project-key': 'key-123' })
  t.teardown(() => p.shutdown())
  const tracer = p.getTracer('collector-test', '9.9.9')

  // A remote parent with known ids and trace state, as an incoming traceparent would give.
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: createTraceState('vendor=abc,other=1')
  })
  const parent = tracer.startSpan(SPAN_NAME, {
    kind: SpanKind.SERVER,
    startTime: [1700000000, 123456789],
    attributes: {
      'http.route': '/users/:id',
      'http.response.status_code': 500,
      negative: -7,
      zero: 0,
      double: 3.25,
      yes: true,
      no: false,
      big: 2 ** 60,
      tags: ['prod', 'eu'],
      numbers: [1, 2.5, -3],
      flags: [true, false],
      empty: '',
      unicode: 'héllo ✓'
    }
  }, remote)
  const stack = 'TypeError: charge failed\n    at charge (/app/orders.js:10:5)\nCaused by: Error: db down'
  parent.addEvent(EXCEPTION_EVENT, { [EXCEPTION_TYPE]: 'TypeError', [EXCEPTION_MESSAGE]: 'charge failed', [EXCEPTION_STACKTRACE]: stack }, [1700000000, 500000000])
  parent.addEvent('cache miss', { hits: 1 }, [1700000000, 600000000])
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' })
  const child = tracer.startSpan('outgoing', { kind: SpanKind.CLIENT, startTime: [1700000000, 200000000] }, trace.setSpan(remote, parent))
  child.end([1700000000, 300000000])
  parent.end([1700000001, 5])

  const [sentChild, sentParent] = await c.waitForSpans(2)
  t.equal(c.spans.length, 2, 'exactly the two spans arrived')

  t.equal(sentParent.name, SPAN_NAME)
  t.equal(sentParent.kind, 2, 'OTLP SERVER')
  t.equal(sentParent.traceId, '0af7651916cd43dd8448eb211c80319c')
  t.equal(sentParent.spanId, parent.spanContext().spanId)
  t.match(sentParent.spanId, /^[0-9a-f]{16}$/)
  t.equal(sentParent.parentSpanId, 'b7ad6b7169203331')
  t.equal(sentParent.traceState, 'vendor=abc,other=1')
  t.equal(sentParent.startTimeUnixNano, 1700000000123456789n)
  t.equal(sentParent.endTimeUnixNano, 1700000001000000005n)
  t.same(sentParent.status, { code: 2, message: 'boom' })
  t.same(sentParent.events, [
    { timeUnixNano: 1700000000500000000n, name: EXCEPTION_EVENT, attributes: { [EXCEPTION_TYPE]: 'TypeError', [EXCEPTION_MESSAGE]: 'charge failed', [EXCEPTION_STACKTRACE]: stack } },
    { timeUnixNano: 1700000000600000000n, name: 'cache miss', attributes: { hits: 1 } }
  ], 'events in order, with their times and attributes')
  t.equal(sentParent.flags, TraceFlags.SAMPLED | 0x100 | 0x200, 'sampled, and the parent is known to be remote')
  t.same(sentParent.attributes, {
    'http.route': '/users/:id',
    'http.response.status_code': 500,
    negative: -7,
    zero: 0,
    double: 3.25,
    yes: true,
    no: false,
    big: 2n ** 60n,
    tags: ['prod', 'eu'],
    numbers: [1, 2.5, -3],
    flags: [true, false],
    empty: '',
    unicode: 'héllo ✓'
  })
  t.equal(typeof sentParent.attributes.big, 'bigint', 'an int64 beyond 2^53 keeps its precision')
  t.equal(sentParent.droppedAttributesCount, 0)
  t.same(sentParent.scope, { name: 'collector-test', version: '9.9.9' })
  t.equal(sentParent.resource['service.name'], 'orders-api')
  t.equal(sentParent.resource['service.version'], '2.3.0')
  t.equal(sentParent.resource['at-project-key'], 'key-123')
  t.same(Object.keys(sentParent.resource).sort(), ['at-project-key', 'service.name', 'service.version'])

  t.equal(sentChild.name, 'outgoing')
  t.equal(sentChild.kind, 3, 'OTLP CLIENT')
  t.equal(sentChild.traceId, sentParent.traceId)
  t.equal(sentChild.parentSpanId, sentParent.spanId)
  t.equal(sentChild.traceState, 'vendor=abc,other=1', 'trace state is inherited')
  t.equal(sentChild.endTimeUnixNano - sentChild.startTimeUnixNano, 100000000n)
  t.same(sentChild.status, { code: 0, message: '' })
  t.same(sentChild.attributes, {})
  t.same(sentChild.events, [])
  t.equal(sentChild.flags, TraceFlags.SAMPLED | 0x100, 'sampled, and the parent is known to be local')
})

t.test('a batch of many spans arrives whole, with the dropped-attribute count', async (t) => {
  const c = await collector(t)
  const p = provider(c.endpoint, true)
  t.teardown(() => p.shutdown())
  const tracer = p.getTracer('batch')
  for (let i = 0; i < 300; i++) tracer.startSpan(`span-${i}`, { attributes: { i } }).end()
  // Over the SDK's default limit of 128 attributes: the sender drops, and says how many.
  const attributes: Record<string, number> = {}
  for (let i = 0; i < 130; i++) attributes[`a${i}`] = i
  tracer.startSpan('too-many', { attributes }).end()
  await p.forceFlush()
  const spans = await c.waitForSpans(301)
  t.same(spans.filter((s) => s.name.startsWith('span-')).map((s) => s.attributes.i), [...Array(300).keys()])
  const tooMany = spans.find((s) => s.name === 'too-many')
  t.equal(Object.keys(tooMany?.attributes ?? {}).length, 128)
  t.equal(tooMany?.droppedAttributesCount, 2)
})

// ---- hand-encoded requests through the gRPC path -------------------------------------------------

t.test('hand-encoded bytes sent over gRPC decode as they do without it', async (t) => {
  const c = await collector(t)
  const { err } = await rawExport(c.endpoint, handEncodedRequest())
  t.equal(err, null)
  const spans = await c.waitForSpans(1)
  t.same(spans, decodeExportTraceServiceRequest(handEncodedRequest()))
})

t.test('bytes that do not decode are answered INVALID_ARGUMENT with the reason, and reported', async (t) => {
  const truncated = handEncodedRequest().subarray(0, 40)
  const decodeErrors: Error[] = []
  const c = await collector(t, { onDecodeError: (err) => decodeErrors.push(err) })
  const { err } = await rawExport(c.endpoint, truncated)
  t.equal(err?.code, grpc.status.INVALID_ARGUMENT, 'not retried by exporters')
  t.match(err?.details, /^OTLP decode: truncated message at byte \d+$/)
  t.equal(c.spans.length, 0)
  t.equal(decodeErrors.length, 1)
  t.ok(decodeErrors[0] instanceof OtlpDecodeError)
})

// ---- collector behaviour ---------------------------------------------------------------------------

t.test('a taken port is a clear error', async (t) => {
  const blocker = await listen()
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const err = await startCollector({ port }).then(() => null, (e: unknown) => e)
  t.ok(err instanceof PortInUseError)
  t.equal((err as Error).message, `port ${port} on 127.0.0.1 is already in use`)
  t.equal((err as PortInUseError).code, 'EADDRINUSE')

  const first = await collector(t)
  await t.rejects(startCollector({ port: first.port }), { message: `port ${first.port} on 127.0.0.1 is already in use` })
})

t.test('waitForSpans filters, returns every match, and times out with what arrived', async (t) => {
  const c = await collector(t)
  const p = provider(c.endpoint)
  t.teardown(() => p.shutdown())
  const tracer = p.getTracer('w')
  const waiting = c.waitForSpans(2, 5000, (s) => s.name === 'b')
  for (const name of ['a', 'b', 'c', 'b']) tracer.startSpan(name).end()
  const bs = await waiting
  t.same(bs.map((s) => s.name), ['b', 'b'])
  await c.waitForSpans(4)
  await t.rejects(c.waitForSpans(1, 100, (s) => s.name === 'nope'), /timed out after 100 ms waiting for 1 span\(s\): 0 matched, 4 received \(a, b, c, b\)/)
})

t.test('onSpans sees each request; a throwing onSpans answers INTERNAL but keeps the spans', async (t) => {
  const batches: string[][] = []
  const c = await collector(t, { onSpans: (spans) => batches.push(spans.map((s) => s.name)) })
  const p = provider(c.endpoint)
  t.teardown(() => p.shutdown())
  p.getTracer('o').startSpan('one').end()
  await c.waitForSpans(1)
  t.same(batches, [['one']])

  const failing = await collector(t, { onSpans: () => { throw new Error('printer broke') } })
  const { err } = await rawExport(failing.endpoint, handEncodedRequest())
  t.equal(err?.code, grpc.status.INTERNAL)
  t.match(err?.details, /collector onSpans failed: printer broke/)
  t.equal(failing.spans.length, 1)
})

t.test('responseDelayMs makes every export wait', async (t) => {
  const c = await collector(t, { responseDelayMs: 300 })
  const { err, ms } = await rawExport(c.endpoint, handEncodedRequest())
  t.equal(err, null)
  t.ok(ms >= 290, `answered after ${ms} ms`)
  t.equal(c.spans.length, 1, 'the spans are recorded before the answer')
})

t.test('close() is prompt with a connected exporter and a delayed answer pending, and frees the port', async (t) => {
  const c = await startCollector({ responseDelayMs: 60_000 })
  const p = provider(c.endpoint)
  t.teardown(() => p.shutdown())
  p.getTracer('c').startSpan('pending').end()
  await c.waitForSpans(1)
  const waiter = t.rejects(c.waitForSpans(5, 60_000), /collector closed/)
  const started = Date.now()
  await c.close()
  const took = Date.now() - started
  t.ok(took < 1500, `closed in ${took} ms`)
  await waiter
  await c.close() // idempotent
  const again = await listen(c.port)
  await new Promise((resolve) => again.close(resolve))
})

t.test('close() does not hang on a client that keeps its call open', async (t) => {
  const c = await startCollector()
  const session = http2.connect(c.endpoint)
  t.teardown(() => session.destroy())
  session.on('error', () => {}) // the forced shutdown resets it
  const stream = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' })
  stream.on('error', () => {})
  stream.write(Buffer.from([0, 0, 0, 0, 10])) // a message header promising 10 bytes that never come
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  await c.close()
  const took = Date.now() - started
  t.ok(took >= 900, `waited for the graceful shutdown first (${took} ms)`)
  t.ok(took < 2500, `then forced it (${took} ms)`)
})

// ---- end to end: exporter → gRPC → decoder → printer -------------------------------------------

t.test('spans sent over gRPC print as one block: the outgoing call nested, errors, user, bodies', async (t) => {
  const out: string[] = []
  const printer = createSpanPrinter({ write: (s) => { out.push(s) }, orphanDelayMs: 10_000 })
  const c = await collector(t, { onSpans: (spans) => printer.push(spans) })
  const tracer = directProvider(t, c.endpoint, { 'service.name': 'e2e-api' }).getTracer('apitoolkit-fastify')
  const request = startIncoming(tracer, 'e2e-1', {
    [ATTR.method]: 'GET',
    [ATTR.route]: '/orders/:id',
    [ATTR.target]: '/orders/7',
    [ATTR.status]: 200,
    [ATTR.responseBody]: b64('{"id":7}'),
    [ATTR.userId]: 'u_1',
    [ATTR.tenantName]: 'Acme',
    'http.request.header.authorization': '[CLIENT_REDACTED]'
  })
  // The outgoing call ends (and, with a simple processor, is exported) before its request.
  startOutgoing(tracer, request, 'e2e-1', {
    [ATTR.method]: 'GET',
    [ATTR.hostName]: 'upstream.test',
    [ATTR.route]: '/stock/:sku',
    [ATTR.target]: '/stock/1?fresh=1',
    [ATTR.status]: 200,
    [ATTR.responseBody]: b64('"in stock"')
  }).end([1700000000, 5_000_000])
  await c.waitForSpans(1)
  t.same(out, [], 'the call waits for its request')
  addException(request, 'RangeError', 'bad sku', 'RangeError: bad sku\n    at check (/app/stock.js:3:9)\nCaused by: Error: sku 0', [1700000000, 6_000_000])
  request.end([1700000000, 20_000_000])
  await c.waitForSpans(2)
  t.equal(out.length, 1)
  t.match(out[0], /^GET \/orders\/:id → 200 in 20\.0 ms {2}\[e2e-api\]\n {2}target: \/orders\/7\n/)
  t.match(out[0], '\n  user: id u_1\n  tenant: name Acme\n')
  t.match(out[0], '\n    authorization: [CLIENT_REDACTED]\n')
  t.match(out[0], '\n  request body: (not captured)\n')
  t.match(out[0], '\n  response body:\n    {\n      "id": 7\n    }\n')
  t.match(out[0], '\n  errors (1):\n    RangeError: bad sku  (at +6.00 ms)\n      at check (/app/stock.js:3:9)\n      Caused by: Error: sku 0\n')
  t.match(out[0], '\n  outgoing calls (1):\n    GET upstream.test/stock/:sku → 200 in 4.00 ms\n      target: /stock/1?fresh=1\n')
  t.match(out[0], '\n      response body: "in stock"\n')
})
