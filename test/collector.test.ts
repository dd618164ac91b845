// The local collector end to end: real OpenTelemetry SDK + OTLP/gRPC exporter → real gRPC server →
// hand-written decoder. Hand-encoded protobuf covers what the JS SDK never sends (kvlist, bytes,
// unknown fields, groups).
import t from 'tap'
import * as http2 from 'node:http2'
import * as net from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { SpanKind, SpanStatusCode, context, createTraceState, trace, TraceFlags } from '@opentelemetry/api'
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { startCollector, PortInUseError, EXPORT_PATH, type Collector } from '../lib/collector/collector-server'
import { decodeExportTraceServiceRequest, OtlpDecodeError } from '../lib/collector/otlp-decode'

/** The part of a tap test the helpers need. */
interface Teardown { teardown: (fn: () => unknown) => void }

// ---- helpers -----------------------------------------------------------------------------------

function provider (endpoint: string, batch = false, resource: Record<string, string> = {}): NodeTracerProvider {
  const exporter = new OTLPTraceExporter({ url: endpoint })
  const processor = batch ? new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50 }) : new SimpleSpanProcessor(exporter)
  return new NodeTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [processor] })
}

// A minimal protobuf encoder, only for building test inputs.
const enc = {
  varint (value: bigint | number): Buffer {
    let v = BigInt.asUintN(64, BigInt(value))
    const bytes: number[] = []
    do {
      const low = Number(v & 0x7fn)
      v >>= 7n
      bytes.push(v === 0n ? low : low | 0x80)
    } while (v !== 0n)
    return Buffer.from(bytes)
  },
  key (field: number, wire: number): Buffer { return enc.varint(field * 8 + wire) },
  len (field: number, payload: Buffer | string): Buffer {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
    return Buffer.concat([enc.key(field, 2), enc.varint(body.length), body])
  },
  uint (field: number, value: bigint | number): Buffer { return Buffer.concat([enc.key(field, 0), enc.varint(value)]) },
  fixed64 (field: number, value: bigint): Buffer {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(value)
    return Buffer.concat([enc.key(field, 1), b])
  },
  double (field: number, value: number): Buffer {
    const b = Buffer.alloc(8)
    b.writeDoubleLE(value)
    return Buffer.concat([enc.key(field, 1), b])
  },
  fixed32 (field: number, value: number): Buffer {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(value)
    return Buffer.concat([enc.key(field, 5), b])
  },
  kv (key: string, anyValue: Buffer): Buffer { return Buffer.concat([enc.len(1, key), enc.len(2, anyValue)]) }
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

t.test('decodes every field of spans sent by the OTLP/gRPC exporter', async (t) => {
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
  const parent = tracer.startSpan('apitoolkit-http-span', {
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
  parent.addEvent('an event the collector skips', { ignored: 1 })
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' })
  const child = tracer.startSpan('outgoing', { kind: SpanKind.CLIENT, startTime: [1700000000, 200000000] }, trace.setSpan(remote, parent))
  child.end([1700000000, 300000000])
  parent.end([1700000001, 5])

  const [sentChild, sentParent] = await c.waitForSpans(2)
  t.equal(c.spans.length, 2, 'exactly the two spans arrived')

  t.equal(sentParent.name, 'apitoolkit-http-span')
  t.equal(sentParent.kind, 2, 'OTLP SERVER')
  t.equal(sentParent.traceId, '0af7651916cd43dd8448eb211c80319c')
  t.equal(sentParent.spanId, parent.spanContext().spanId)
  t.match(sentParent.spanId, /^[0-9a-f]{16}$/)
  t.equal(sentParent.parentSpanId, 'b7ad6b7169203331')
  t.equal(sentParent.traceState, 'vendor=abc,other=1')
  t.equal(sentParent.startTimeUnixNano, 1700000000123456789n)
  t.equal(sentParent.endTimeUnixNano, 1700000001000000005n)
  t.same(sentParent.status, { code: 2, message: 'boom' })
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

function handEncodedRequest (): Buffer {
  const any = {
    str: (s: string) => enc.len(1, s),
    bytes: (b: Buffer) => enc.len(7, b),
    int: (n: bigint) => enc.uint(3, n),
    double: (n: number) => enc.double(4, n)
  }
  const kvlist = enc.len(6, Buffer.concat([
    enc.len(1, enc.kv('inner', any.str('x'))),
    enc.len(1, enc.kv('nested', enc.len(5, enc.len(1, any.int(-1n)))))
  ]))
  const span = Buffer.concat([
    enc.uint(99, 12345), // unknown varint field
    enc.len(1, Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex')),
    enc.len(2, Buffer.from('1112131415161718', 'hex')),
    enc.fixed32(16, 0x301), // flags: a fixed32 this decoder does not keep
    enc.len(5, 'hand-made'),
    enc.uint(6, 5),
    enc.fixed64(7, 10n),
    enc.fixed64(8, 2n ** 64n - 1n),
    enc.len(9, enc.kv('map', kvlist)),
    enc.len(9, enc.kv('raw', any.bytes(Buffer.from([0, 255, 1])))),
    enc.len(9, enc.kv('min', any.int(-(2n ** 63n)))),
    enc.len(9, enc.kv('nan', any.double(Number.NaN))),
    enc.len(9, enc.kv('unset', Buffer.alloc(0))),
    enc.fixed64(98, 7n), // unknown fixed64
    Buffer.concat([enc.key(97, 3), enc.uint(1, 1), enc.len(2, 'in a group'), enc.key(97, 4)]), // unknown group
    enc.uint(5, 1), // a known field number with the wrong wire type is skipped, not misread
    enc.len(15, Buffer.concat([enc.uint(1, 9), enc.len(2, 'bad'), enc.uint(3, 2)]))
  ])
  // The scope and the resource come after what they describe: allowed on the wire.
  const scopeSpans = Buffer.concat([enc.len(2, span), enc.len(1, Buffer.concat([enc.len(1, 'hand'), enc.len(2, '0.1'), enc.len(3, 'attr')]))])
  const resource = enc.len(1, enc.kv('service.name', any.str('svc')))
  return enc.len(1, Buffer.concat([enc.len(2, scopeSpans), enc.len(3, 'https://schema'), enc.len(1, resource)]))
}

t.test('decodes kvlist, bytes, int64 extremes, and skips unknown fields of every wire type', async (t) => {
  const c = await collector(t)
  const { err } = await rawExport(c.endpoint, handEncodedRequest())
  t.equal(err, null)
  const [span] = await c.waitForSpans(1)
  t.equal(span.traceId, '0102030405060708090a0b0c0d0e0f10')
  t.equal(span.spanId, '1112131415161718')
  t.equal(span.parentSpanId, '')
  t.equal(span.name, 'hand-made')
  t.equal(span.kind, 5)
  t.equal(span.startTimeUnixNano, 10n)
  t.equal(span.endTimeUnixNano, 2n ** 64n - 1n, 'fixed64 is unsigned')
  t.same(span.attributes.map, { inner: 'x', nested: [-1] })
  t.ok(Buffer.isBuffer(span.attributes.raw))
  t.same([...(span.attributes.raw as Buffer)], [0, 255, 1])
  t.equal(span.attributes.min, -(2n ** 63n), 'negative int64 is two\'s complement, not zigzag')
  t.ok(Number.isNaN(span.attributes.nan))
  t.equal(span.attributes.unset, null, 'an empty AnyValue is null')
  t.same(span.status, { code: 2, message: 'bad' })
  t.same(span.scope, { name: 'hand', version: '0.1' })
  t.same(span.resource, { 'service.name': 'svc' })
})

t.test('the decoder rejects malformed bytes, and the collector answers them with an error', async (t) => {
  const truncated = handEncodedRequest().subarray(0, 40)
  t.throws(() => decodeExportTraceServiceRequest(truncated), OtlpDecodeError)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0a, 0x05, 0x01])), /truncated/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x00])), /field number 0/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0e])), /wire type 6/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0b, 0x08, 0x01])), /unterminated group/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.alloc(11, 0xff)), /varint longer than 10 bytes/)
  t.same(decodeExportTraceServiceRequest(Buffer.alloc(0)), [], 'an empty request has no spans')

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
