// Decodes OTLP trace export requests with protobufjs code generated from the official opentelemetry-proto
// files, as OpenTelemetry's otlp-transformer 0.57.2 shipped it (installed as `otlp-official-protos`): a
// reading that owes nothing to the encoders under test.
//
// Those files predate opentelemetry-proto 1.1, which added Span.flags (field 16, fixed32): protobufjs
// skips it as an unknown field. `flattenTraceRequest` reads it from the wire with the small walk below.

interface GeneratedMessage {
  decode (bytes: Uint8Array): object
  toObject (message: object, options: Record<string, unknown>): Record<string, unknown>
}

interface GeneratedRoot {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: GeneratedMessage } } } } }
}

const root = require('otlp-official-protos/build/src/generated/root.js') as GeneratedRoot
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest

/**
 * The request as protobufjs's `toObject` gives it: plain objects in wire order, a field absent from the wire
 * absent here (even a 0 sent on the wire is present), 64-bit integers as decimal strings, bytes as base64.
 */
export function decodeTraceRequest (bytes: Uint8Array): Record<string, unknown> {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), {
    longs: String, bytes: String, defaults: false
  })
}

/**
 * An attribute value: string, boolean, number (an int_value beyond Number's safe range is a bigint; an
 * integral double_value looks like an int), an array, a record (kvlist_value), a Buffer (bytes_value), or
 * null for an empty AnyValue.
 */
export type FlatValue = string | boolean | number | bigint | Buffer | null | FlatValue[] | { [key: string]: FlatValue }

export interface FlatEvent {
  name: string
  /** Nanoseconds since the epoch, in decimal. */
  timeUnixNano: string
  attributes: Record<string, FlatValue>
  droppedAttributesCount: number
}

/** One span with its resource and scope; ids in hex, '' (or 0) for what the wire left out. */
export interface FlatSpan {
  resource: Record<string, FlatValue>
  scope: { name: string, version: string }
  traceId: string
  spanId: string
  parentSpanId: string
  traceState: string
  name: string
  /** OTLP SpanKind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER */
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  /** A key sent twice keeps its last value. */
  attributes: Record<string, FlatValue>
  droppedAttributesCount: number
  events: FlatEvent[]
  droppedEventsCount: number
  linkCount: number
  /** OTLP StatusCode: 0 UNSET, 1 OK, 2 ERROR */
  status: { code: number, message: string }
  /** Span.flags, read from the wire (see above); 0 when not sent. */
  flags: number
}

/** A length-delimited field found by `messagesAt`: its value's bytes and how many bytes its length took. */
export interface WireMessage { start: number, end: number, lengthSize: number }

function readVarint (bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0
  for (let scale = 1; ; scale *= 128) {
    const byte = bytes[at++]
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, at]
  }
}

/**
 * Calls `visit` for each field in bytes[start, end): its number and wire type, where its key ends, where its
 * value starts (after the length of a length-delimited one) and where the field ends.
 */
function fieldsOf (
  bytes: Uint8Array, start: number, end: number,
  visit: (field: number, wireType: number, afterKey: number, valueAt: number, next: number) => void
): void {
  let at = start
  while (at < end) {
    const [key, afterKey] = readVarint(bytes, at)
    const wireType = key & 7
    let valueAt = afterKey
    let next: number
    if (wireType === 0) next = readVarint(bytes, afterKey)[1]
    else if (wireType === 1) next = afterKey + 8
    else if (wireType === 5) next = afterKey + 4
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, afterKey)
      valueAt = afterLength
      next = afterLength + length
    } else throw new Error(`wire type ${wireType} at ${at}`)
    visit(Math.floor(key / 8), wireType, afterKey, valueAt, next)
    at = next
  }
}

/**
 * The length-delimited fields reached by following `path`, field numbers from the top of `bytes`: [1, 2, 2]
 * is every span of an ExportTraceServiceRequest (resource_spans, scope_spans, spans).
 */
export function messagesAt (bytes: Uint8Array, path: readonly number[], start = 0, end = bytes.length): WireMessage[] {
  const found: WireMessage[] = []
  fieldsOf(bytes, start, end, (field, wireType, afterKey, valueAt, next) => {
    if (wireType !== 2 || field !== path[0]) return
    if (path.length === 1) found.push({ start: valueAt, end: next, lengthSize: valueAt - afterKey })
    else found.push(...messagesAt(bytes, path.slice(1), valueAt, next))
  })
  return found
}

/** The last fixed32 field numbered `field` in bytes[start, end), 0 when there is none. */
function fixed32Field (bytes: Uint8Array, start: number, end: number, field: number): number {
  let value = 0
  fieldsOf(bytes, start, end, (f, wireType, valueAt) => {
    if (f === field && wireType === 5) value = Buffer.from(bytes.buffer, bytes.byteOffset + valueAt, 4).readUInt32LE(0)
  })
  return value
}

type Decoded = Record<string, unknown>

function list (value: unknown): Decoded[] {
  return (value ?? []) as Decoded[]
}

function hex (base64: unknown): string {
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('hex') : ''
}

function flatValue (value: Decoded | undefined): FlatValue {
  if (value === undefined) return null
  if ('stringValue' in value) return value.stringValue as string
  if ('boolValue' in value) return value.boolValue as boolean
  if ('intValue' in value) {
    const int = BigInt(value.intValue as string)
    return int >= BigInt(Number.MIN_SAFE_INTEGER) && int <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(int) : int
  }
  if ('doubleValue' in value) return value.doubleValue as number
  if ('arrayValue' in value) return list((value.arrayValue as Decoded).values).map(flatValue)
  if ('kvlistValue' in value) return flatAttributes((value.kvlistValue as Decoded).values)
  if ('bytesValue' in value) return Buffer.from(value.bytesValue as string, 'base64')
  return null
}

function flatAttributes (keyValues: unknown): Record<string, FlatValue> {
  const record: Record<string, FlatValue> = {}
  for (const { key, value } of list(keyValues)) {
    Object.defineProperty(record, (key ?? '') as string, {
      value: flatValue(value as Decoded | undefined), enumerable: true, writable: true, configurable: true
    })
  }
  return record
}

/** Every span of the request, flattened with its resource and scope. */
export function flattenTraceRequest (bytes: Uint8Array): FlatSpan[] {
  const flags = messagesAt(bytes, [1, 2, 2]).map((span) => fixed32Field(bytes, span.start, span.end, 16))
  const spans: FlatSpan[] = []
  for (const resourceSpans of list(decodeTraceRequest(bytes).resourceSpans)) {
    const resource = flatAttributes((resourceSpans.resource as Decoded | undefined)?.attributes)
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      const decodedScope = (scopeSpans.scope ?? {}) as Decoded
      const scope = { name: (decodedScope.name ?? '') as string, version: (decodedScope.version ?? '') as string }
      for (const span of list(scopeSpans.spans)) {
        const status = (span.status ?? {}) as Decoded
        spans.push({
          resource,
          scope,
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          traceState: (span.traceState ?? '') as string,
          name: (span.name ?? '') as string,
          kind: (span.kind ?? 0) as number,
          startTimeUnixNano: (span.startTimeUnixNano ?? '0') as string,
          endTimeUnixNano: (span.endTimeUnixNano ?? '0') as string,
          attributes: flatAttributes(span.attributes),
          droppedAttributesCount: (span.droppedAttributesCount ?? 0) as number,
          events: list(span.events).map((event) => ({
            name: (event.name ?? '') as string,
            timeUnixNano: (event.timeUnixNano ?? '0') as string,
            attributes: flatAttributes(event.attributes),
            droppedAttributesCount: (event.droppedAttributesCount ?? 0) as number
          })),
          droppedEventsCount: (span.droppedEventsCount ?? 0) as number,
          linkCount: list(span.links).length,
          status: { code: (status.code ?? 0) as number, message: (status.message ?? '') as string },
          flags: flags[spans.length]
        })
      }
    }
  }
  return spans
}
