// The collector's hand-written OTLP decoder on bytes alone: hand-encoded requests for what the JS SDK
// never sends, the official serializer's bytes for events and flags, and malformed input.
import t from 'tap'
import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api'
import { decodeExportTraceServiceRequest, OtlpDecodeError } from '../../../lib/collector/otlp-decode'
import { EXCEPTION_EVENT, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, SCOPE_NAME, SPAN_NAME } from '../../../lib/span/names'
import { enc, handEncodedRequest } from '../../helpers/protobuf'
import { decodedSpans } from '../../helpers/otlp-sender'

t.test('decodes kvlist, bytes, int64 extremes, events and flags, and skips unknown fields of every wire type', async (t) => {
  const [span, ...others] = decodeExportTraceServiceRequest(handEncodedRequest())
  t.same(others, [], 'one span')
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
  t.same(span.events, [{ timeUnixNano: 11n, name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' } }],
    'the event keeps its time, name and attributes; its unknown fields are skipped')
  t.equal(span.flags, 0x301, 'flags are a fixed32, kept whole')
  t.same(span.status, { code: 2, message: 'bad' })
  t.same(span.scope, { name: 'hand', version: '0.1' })
  t.same(span.resource, { 'service.name': 'svc' })
})

t.test('decodes events, status message, flags and parent from the official serializer\'s bytes', async (t) => {
  const remoteParent = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true
  })
  let localParentId = ''
  const [child, request] = await decodedSpans((tracer) => {
    const span = tracer.startSpan(SPAN_NAME, { kind: SpanKind.SERVER, startTime: [1700000000, 0] }, remoteParent)
    localParentId = span.spanContext().spanId
    span.addEvent(EXCEPTION_EVENT, { [EXCEPTION_TYPE]: 'TypeError', [EXCEPTION_MESSAGE]: 'charge failed', [EXCEPTION_STACKTRACE]: 'TypeError: charge failed\n    at x' }, [1700000000, 2_000_000])
    span.addEvent('cache miss', { key: 'k', hits: 3 }, [1700000000, 3_000_000])
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'charge failed' })
    tracer.startSpan('child', { startTime: [1700000000, 1] }, trace.setSpan(context.active(), span)).end([1700000000, 2])
    span.end([1700000000, 5_000_000])
  }, { 'service.name': 'orders-api', 'at-project-key': 'key-123', 'telemetry.sdk.language': 'nodejs' })

  t.equal(request.name, SPAN_NAME)
  t.same(request.events, [
    { timeUnixNano: 1700000000002000000n, name: 'exception', attributes: { 'exception.type': 'TypeError', 'exception.message': 'charge failed', 'exception.stacktrace': 'TypeError: charge failed\n    at x' } },
    { timeUnixNano: 1700000000003000000n, name: 'cache miss', attributes: { key: 'k', hits: 3 } }
  ])
  t.same(request.status, { code: 2, message: 'charge failed' })
  t.equal(request.parentSpanId, 'b7ad6b7169203331')
  t.equal(request.flags, 0x301, 'sampled, parent known to be remote')
  t.equal(child.parentSpanId, localParentId)
  t.equal(child.flags, 0x101, 'sampled, parent known to be local')
  t.same(child.events, [], 'no events is an empty list')
  t.same(request.scope, { name: SCOPE_NAME, version: '0.1.0' })
  t.same(request.resource, { 'service.name': 'orders-api', 'at-project-key': 'key-123', 'telemetry.sdk.language': 'nodejs' })
})

t.test('the decoder rejects malformed bytes with an OtlpDecodeError that says what is wrong', async (t) => {
  t.throws(() => decodeExportTraceServiceRequest(handEncodedRequest().subarray(0, 40)), OtlpDecodeError)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0a, 0x05, 0x01])), /truncated/)
  const cutFlags = enc.len(1, enc.len(2, enc.len(2, Buffer.from([0x85, 0x01, 0x01, 0x02])))) // flags: 2 of 4 bytes
  t.throws(() => decodeExportTraceServiceRequest(cutFlags), /truncated message/, 'a fixed32 is bounds-checked')
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x00])), /field number 0/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0e])), /wire type 6/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.from([0x0b, 0x08, 0x01])), /unterminated group/)
  t.throws(() => decodeExportTraceServiceRequest(Buffer.alloc(11, 0xff)), /varint longer than 10 bytes/)
  t.same(decodeExportTraceServiceRequest(Buffer.alloc(0)), [], 'an empty request has no spans')
})
