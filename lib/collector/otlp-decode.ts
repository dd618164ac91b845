// A small protobuf wire-format decoder for OTLP trace export requests
// (opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest).
// Hand-written so the local collector needs no protobuf library or .proto files at run time.
// Field numbers follow the public OTLP definitions: trace.proto, common.proto, resource.proto,
// trace_service.proto.

import { OtlpDecodeError, readFields, Reader, safeNumber, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../export/protobuf-reader'

export { OtlpDecodeError }

/** One span as the collector received it, flattened with its resource and scope. */
export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** '' for a root span */
  parentSpanId: string
  traceState: string
  name: string
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER */
  kind: number
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  /**
   * string | number | boolean | Buffer (bytes) | unknown[] (array) | object (kvlist) | null (empty).
   * An int64 outside Number's safe range stays a bigint so no precision is lost.
   */
  attributes: Record<string, unknown>
  /** OTLP StatusCode: 0 UNSET, 1 OK, 2 ERROR */
  status: { code: number, message: string }
  /** W3C trace flags in bits 0-7; bit 8: whether bit 9 is known, bit 9: the parent is remote */
  flags: number
  events: SpanEvent[]
  resource: Record<string, unknown>
  scope: { name: string, version: string }
  /** how many attributes the sender dropped (e.g. to the 128-attribute limit); absent means 0 */
  droppedAttributesCount?: number
}

/** A span event, such as the `exception` event an error becomes. */
export interface SpanEvent {
  timeUnixNano: bigint
  name: string
  attributes: Record<string, unknown>
}

// common.proto AnyValue: oneof string 1, bool 2, int64 3, double 4, ArrayValue 5, KeyValueList 6,
// bytes 7. An empty AnyValue decodes to null.
export function decodeAnyValue (r: Reader): unknown {
  let value: unknown = null
  readFields(r, {
    1: [WIRE_LEN, (f) => { value = f.string() }],
    2: [WIRE_VARINT, (f) => { value = f.bool() }],
    3: [WIRE_VARINT, (f) => { value = safeNumber(f.int64()) }],
    4: [WIRE_FIXED64, (f) => { value = f.double() }],
    5: [WIRE_LEN, (f) => { value = decodeArrayValue(f.sub()) }],
    6: [WIRE_LEN, (f) => { value = decodeKeyValueList(f.sub()) }],
    7: [WIRE_LEN, (f) => { value = f.bytes() }]
  })
  return value
}

// ArrayValue: repeated AnyValue values = 1
function decodeArrayValue (r: Reader): unknown[] {
  const values: unknown[] = []
  readFields(r, { 1: [WIRE_LEN, (f) => { values.push(decodeAnyValue(f.sub())) }] })
  return values
}

// KeyValueList: repeated KeyValue values = 1
function decodeKeyValueList (r: Reader): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  readFields(r, { 1: [WIRE_LEN, (f) => { addKeyValue(f.sub(), out) }] })
  return out
}

// KeyValue: string key = 1, AnyValue value = 2
export function addKeyValue (r: Reader, into: Record<string, unknown>): void {
  let key = ''
  let value: unknown = null
  readFields(r, {
    1: [WIRE_LEN, (f) => { key = f.string() }],
    2: [WIRE_LEN, (f) => { value = decodeAnyValue(f.sub()) }]
  })
  into[key] = value
}

// resource.proto Resource: repeated KeyValue attributes = 1
function decodeResource (r: Reader): Record<string, unknown> {
  const attributes: Record<string, unknown> = {}
  readFields(r, { 1: [WIRE_LEN, (f) => { addKeyValue(f.sub(), attributes) }] })
  return attributes
}

// InstrumentationScope (and the older InstrumentationLibrary): name = 1, version = 2
function decodeScope (r: Reader): { name: string, version: string } {
  const scope = { name: '', version: '' }
  readFields(r, {
    1: [WIRE_LEN, (f) => { scope.name = f.string() }],
    2: [WIRE_LEN, (f) => { scope.version = f.string() }]
  })
  return scope
}

// Status: message = 2, code = 3 (1 is reserved)
function decodeStatus (r: Reader): { code: number, message: string } {
  const status = { code: 0, message: '' }
  readFields(r, {
    2: [WIRE_LEN, (f) => { status.message = f.string() }],
    3: [WIRE_VARINT, (f) => { status.code = f.int32() }]
  })
  return status
}

// Span.Event: time_unix_nano = 1, name = 2, repeated KeyValue attributes = 3
function decodeEvent (r: Reader): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {} }
  readFields(r, {
    1: [WIRE_FIXED64, (f) => { event.timeUnixNano = f.fixed64() }],
    2: [WIRE_LEN, (f) => { event.name = f.string() }],
    3: [WIRE_LEN, (f) => { addKeyValue(f.sub(), event.attributes) }]
  })
  return event
}

/** The span's own fields; resource and scope are filled in by the caller. */
type SpanFields = Omit<ReceivedSpan, 'resource' | 'scope'>

// trace.proto Span; links (13) are not needed by the collector and are skipped.
function decodeSpan (r: Reader): SpanFields {
  const span: SpanFields = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    status: { code: 0, message: '' },
    flags: 0,
    events: [],
    droppedAttributesCount: 0
  }
  readFields(r, {
    1: [WIRE_LEN, (f) => { span.traceId = f.hex() }],
    2: [WIRE_LEN, (f) => { span.spanId = f.hex() }],
    3: [WIRE_LEN, (f) => { span.traceState = f.string() }],
    4: [WIRE_LEN, (f) => { span.parentSpanId = f.hex() }],
    5: [WIRE_LEN, (f) => { span.name = f.string() }],
    6: [WIRE_VARINT, (f) => { span.kind = f.int32() }],
    7: [WIRE_FIXED64, (f) => { span.startTimeUnixNano = f.fixed64() }],
    8: [WIRE_FIXED64, (f) => { span.endTimeUnixNano = f.fixed64() }],
    9: [WIRE_LEN, (f) => { addKeyValue(f.sub(), span.attributes) }],
    10: [WIRE_VARINT, (f) => { span.droppedAttributesCount = f.uint() }],
    11: [WIRE_LEN, (f) => { span.events.push(decodeEvent(f.sub())) }],
    15: [WIRE_LEN, (f) => { span.status = decodeStatus(f.sub()) }],
    16: [WIRE_FIXED32, (f) => { span.flags = f.fixed32() }]
  })
  return span
}

// ScopeSpans: scope = 1, repeated Span spans = 2
function decodeScopeSpans (r: Reader, resource: Record<string, unknown>, out: ReceivedSpan[]): void {
  let scope = { name: '', version: '' }
  const spans: SpanFields[] = []
  readFields(r, {
    1: [WIRE_LEN, (f) => { scope = decodeScope(f.sub()) }],
    2: [WIRE_LEN, (f) => { spans.push(decodeSpan(f.sub())) }]
  })
  // The scope may follow its spans on the wire, so attach it only after the whole message is read.
  for (const span of spans) out.push({ ...span, resource, scope: { ...scope } })
}

// ResourceSpans: resource = 1, repeated ScopeSpans scope_spans = 2; 1000 is the pre-1.0
// instrumentation_library_spans with the same layout, accepted for old senders.
function decodeResourceSpans (r: Reader, out: ReceivedSpan[]): void {
  let resource: Record<string, unknown> = {}
  const scopeSpans: Reader[] = []
  readFields(r, {
    1: [WIRE_LEN, (f) => { resource = decodeResource(f.sub()) }],
    2: [WIRE_LEN, (f) => { scopeSpans.push(f.sub()) }],
    1000: [WIRE_LEN, (f) => { scopeSpans.push(f.sub()) }]
  })
  // Same reason: the resource may come after the scope spans.
  for (const s of scopeSpans) decodeScopeSpans(s, resource, out)
}

/** ExportTraceServiceRequest: repeated ResourceSpans resource_spans = 1 → flat list of spans. */
export function decodeExportTraceServiceRequest (buf: Buffer): ReceivedSpan[] {
  const spans: ReceivedSpan[] = []
  readFields(new Reader(buf), { 1: [WIRE_LEN, (f) => { decodeResourceSpans(f.sub(), spans) }] })
  return spans
}
