import { base64Length, int64Size, ProtobufWriter, varintSize } from './protobuf-writer'
import { repeatedRun } from './repeated-runs'

/** Bytes to be sent as a string attribute holding their base64 (a captured body): encoded straight into the output. */
export class Base64Text {
  constructor (readonly bytes: Uint8Array) {}
}

export type AttributeValue = string | number | boolean | readonly string[] | Base64Text

/** A precomputed KeyValue.key field (tag, length, UTF-8 bytes), made once per distinct name. */
export interface AttributeKey {
  readonly name: string
  readonly bytes: Buffer
}

/**
 * A span attribute encoded ahead (`encodeSpanAttribute`), for a pair that repeats on many spans: copied
 * as it is. Span attributes only.
 */
export class EncodedAttribute {
  constructor (readonly bytes: Buffer) {}
}

/**
 * Attributes as one flat array: key, value, key, value… (keys are AttributeKey or plain strings), written
 * in this order; a key given twice is sent twice. An EncodedAttribute stands in a key's place, with null
 * in its value's.
 */
export type AttributeList = ReadonlyArray<AttributeKey | string | AttributeValue | EncodedAttribute | null>

export interface OtlpEvent {
  /** [seconds, nanoseconds] since the epoch, non-negative integers. */
  time: readonly [number, number]
  name: string
  attributes: AttributeList
}

export interface OtlpSpan {
  /** 16 bytes */
  traceId: Uint8Array
  /** 8 bytes */
  spanId: Uint8Array
  parentSpanId: Uint8Array | undefined
  /** '' when none */
  traceState: string
  name: string
  /** OTLP's SpanKind: 1 INTERNAL, 2 SERVER, 3 CLIENT; 0 (unspecified) is not sent. */
  kind: number
  /** [seconds, nanoseconds] since the epoch, non-negative integers. */
  startTime: readonly [number, number]
  endTime: readonly [number, number]
  attributes: AttributeList
  events: readonly OtlpEvent[]
  /** 0 UNSET, 1 OK, 2 ERROR */
  statusCode: number
  statusMessage: string
  /** See `spanFlags`; 0 is not sent. */
  flags: number
}

const VARINT = 0
const I64 = 1
const LEN = 2
const I32 = 5

function tag (field: number, wireType: number): number {
  return (field << 3) | wireType
}

const REQUEST_RESOURCE_SPANS = tag(1, LEN)
const RESOURCE_SPANS_RESOURCE = tag(1, LEN)
const RESOURCE_SPANS_SCOPE_SPANS = tag(2, LEN)
const SCOPE_SPANS_SCOPE = tag(1, LEN)
const SCOPE_SPANS_SPANS = tag(2, LEN)

const RESOURCE_ATTRIBUTES = tag(1, LEN)
const RESOURCE_DROPPED_ATTRIBUTES_COUNT = tag(2, VARINT)

const SCOPE_NAME = tag(1, LEN)
const SCOPE_VERSION = tag(2, LEN)

const SPAN_TRACE_ID = tag(1, LEN)
const SPAN_SPAN_ID = tag(2, LEN)
const SPAN_TRACE_STATE = tag(3, LEN)
const SPAN_PARENT_SPAN_ID = tag(4, LEN)
const SPAN_NAME = tag(5, LEN)
const SPAN_KIND = tag(6, VARINT)
const SPAN_START_TIME = tag(7, I64)
const SPAN_END_TIME = tag(8, I64)
const SPAN_ATTRIBUTES = tag(9, LEN)
const SPAN_DROPPED_ATTRIBUTES_COUNT = tag(10, VARINT)
const SPAN_EVENTS = tag(11, LEN)
const SPAN_DROPPED_EVENTS_COUNT = tag(12, VARINT)
const SPAN_DROPPED_LINKS_COUNT = tag(14, VARINT)
const SPAN_STATUS = tag(15, LEN)
const SPAN_FLAGS = tag(16, I32)

const EVENT_TIME = tag(1, I64)
const EVENT_NAME = tag(2, LEN)
const EVENT_ATTRIBUTES = tag(3, LEN)
const EVENT_DROPPED_ATTRIBUTES_COUNT = tag(4, VARINT)

const STATUS_MESSAGE = tag(2, LEN)
const STATUS_CODE = tag(3, VARINT)

const KEY_VALUE_KEY = tag(1, LEN)
const KEY_VALUE_VALUE = tag(2, LEN)

const ANY_VALUE_STRING = tag(1, LEN)
const ANY_VALUE_BOOL = tag(2, VARINT)
const ANY_VALUE_INT = tag(3, VARINT)
const ANY_VALUE_DOUBLE = tag(4, I64)
const ANY_VALUE_ARRAY = tag(5, LEN)

const ARRAY_VALUE_VALUES = tag(1, LEN)

// Span.flags bits: the low byte is the W3C trace flags.
const FLAGS_CONTEXT_HAS_IS_REMOTE = 0x100
const FLAGS_CONTEXT_IS_REMOTE = 0x200

// int_value is an int64: integers outside it go as double_value, as the SDK's serializer sends them.
const INT64_MIN = -(2 ** 63)
const INT64_END = 2 ** 63

// A key field and a text this short make a KeyValue under 128 bytes: all its lengths take one byte.
const SHORT_KEY_VALUE_MAX = 127 - 4

// Most spans and exception events are between 128 bytes and 16 KiB long: two bytes of length.
const SPAN_LENGTH_RESERVE = 2
const EVENT_LENGTH_RESERVE = 2

// Room in front of a batch's spans for any length its headers may need.
const MAX_VARINT_BYTES = 10

const KEY_CACHE_LIMIT = 1024
const keyCache = new Map<string, AttributeKey>()

/** Span.flags as the SDK's serializer sends them: the trace flags, and that the parent's remoteness is known. */
export function spanFlags (traceFlags: number, parentIsRemote: boolean): number {
  const flags = (traceFlags & 0xff) | FLAGS_CONTEXT_HAS_IS_REMOTE
  return parentIsRemote ? flags | FLAGS_CONTEXT_IS_REMOTE : flags
}

/** The KeyValue.key field of `name`, memoized; the cache starts over when full, so odd names cannot grow it. */
export function attributeKey (name: string): AttributeKey {
  let key = keyCache.get(name)
  if (key === undefined) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
    const w = new ProtobufWriter(name.length * 3 + 6)
    w.byte(KEY_VALUE_KEY)
    w.string(name)
    key = { name, bytes: written(w) }
    keyCache.set(name, key)
  }
  return key
}

/** One span attribute, encoded once for the spans that repeat it. */
export function encodeSpanAttribute (key: AttributeKey | string, value: AttributeValue): EncodedAttribute {
  const w = new ProtobufWriter(64)
  writeAttributes(w, SPAN_ATTRIBUTES, [key, value])
  return new EncodedAttribute(written(w))
}

/** The Resource message, to be made once: its attributes and a dropped count of 0. */
export function encodeResource (attributes: AttributeList): Buffer {
  const w = new ProtobufWriter(256)
  writeAttributes(w, RESOURCE_ATTRIBUTES, attributes)
  w.byte(RESOURCE_DROPPED_ATTRIBUTES_COUNT)
  w.byte(0)
  return written(w)
}

/** The InstrumentationScope message, to be made once; an empty version is not sent. */
export function encodeScope (name: string, version: string): Buffer {
  const w = new ProtobufWriter(64)
  w.byte(SCOPE_NAME)
  w.string(name)
  if (version !== '') {
    w.byte(SCOPE_VERSION)
    w.string(version)
  }
  return written(w)
}

/** A copy of what `w` holds, in a Buffer of its own size. */
function written (w: ProtobufWriter): Buffer {
  return Buffer.from(w.buf.subarray(0, w.pos))
}

/** Bytes of a length-delimited field with a one-byte tag. */
function fieldSize (length: number): number {
  return 1 + varintSize(length) + length
}

/** The encoded attributes from `from` up to the first attribute that is not; returns where that one is. */
function writeEncodedRun (w: ProtobufWriter, attributes: AttributeList, from: number, runIndex: number): number {
  let to = from + 2
  while (to < attributes.length && attributes[to] instanceof EncodedAttribute) to += 2
  const block = to - from > 2 ? repeatedRun(attributes, from, to, runIndex) : undefined
  if (block !== undefined) {
    w.raw(block)
  } else {
    for (let i = from; i < to; i += 2) w.raw((attributes[i] as EncodedAttribute).bytes)
  }
  return to
}

function writeAttributes (w: ProtobufWriter, fieldTag: number, attributes: AttributeList): void {
  let runIndex = 0
  for (let i = 0; i < attributes.length;) {
    const key = attributes[i] as AttributeKey | string | EncodedAttribute
    if (key instanceof EncodedAttribute) {
      if (fieldTag !== SPAN_ATTRIBUTES) throw new TypeError('an encoded attribute is a span attribute only')
      i = writeEncodedRun(w, attributes, i, runIndex++)
      continue
    }
    const keyBytes = typeof key === 'string' ? attributeKey(key).bytes : key.bytes
    const value = attributes[i + 1] as AttributeValue
    if (typeof value === 'string' || value instanceof Base64Text) {
      writeTextKeyValue(w, fieldTag, keyBytes, value)
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      writeScalarKeyValue(w, fieldTag, keyBytes, value)
    } else {
      writeArrayKeyValue(w, fieldTag, keyBytes, value)
    }
    i += 2
  }
}

/** Bytes before the text of a KeyValue{ key, value: AnyValue{ string_value } }, tag included. */
function textKeyValueHeader (keyLength: number, textLength: number): number {
  const valueLength = fieldSize(textLength)
  const keyValueLength = keyLength + fieldSize(valueLength)
  return 1 + varintSize(keyValueLength) + keyLength + 1 + varintSize(valueLength) + 1 + varintSize(textLength)
}

/**
 * A string-valued KeyValue. Its three lengths all depend on the text's UTF-8 length, unknown until it is
 * written: the text goes once where its UTF-16 length puts it, the header is written in front after, and
 * the text moves only when the real lengths need longer varints.
 */
function writeTextKeyValue (w: ProtobufWriter, fieldTag: number, key: Buffer, value: string | Base64Text): void {
  const start = w.pos
  const keyLength = key.length
  const expected = typeof value === 'string' ? value.length : base64Length(value.bytes.length)
  let header = keyLength + expected <= SHORT_KEY_VALUE_MAX ? keyLength + 6 : textKeyValueHeader(keyLength, expected)
  const count = typeof value === 'string' ? w.utf8At(value, start + header) : w.base64At(value.bytes, start + header)
  if (count !== expected) {
    const actual = textKeyValueHeader(keyLength, count)
    if (actual !== header) {
      w.move(start + header, start + header + count, actual - header)
      header = actual
    }
  }
  const buf = w.buf
  let at = start
  buf[at++] = fieldTag
  if (header === keyLength + 6) {
    // the usual case: every length takes one byte
    buf[at++] = keyLength + 4 + count
    at = w.rawAt(key, at)
    buf[at++] = KEY_VALUE_VALUE
    buf[at++] = count + 2
    buf[at++] = ANY_VALUE_STRING
    buf[at] = count
  } else {
    const valueLength = fieldSize(count)
    at = w.varintAt(at, keyLength + fieldSize(valueLength))
    at = w.rawAt(key, at)
    buf[at++] = KEY_VALUE_VALUE
    at = w.varintAt(at, valueLength)
    buf[at++] = ANY_VALUE_STRING
    w.varintAt(at, count)
  }
  w.pos = start + header + count
}

function isInt64 (value: number): boolean {
  return Number.isInteger(value) && value >= INT64_MIN && value < INT64_END
}

/** A KeyValue of a bool, int or double: its size is known before writing. */
function writeScalarKeyValue (w: ProtobufWriter, fieldTag: number, key: Buffer, value: number | boolean): void {
  if (typeof value === 'boolean') {
    writeScalarHeader(w, fieldTag, key, 2)
    w.byte(ANY_VALUE_BOOL)
    w.byte(value ? 1 : 0)
  } else if (isInt64(value)) {
    writeScalarHeader(w, fieldTag, key, 1 + int64Size(value))
    w.byte(ANY_VALUE_INT)
    w.int64(value)
  } else {
    writeScalarHeader(w, fieldTag, key, 9)
    w.byte(ANY_VALUE_DOUBLE)
    w.double(value)
  }
}

function writeScalarHeader (w: ProtobufWriter, fieldTag: number, key: Buffer, valueLength: number): void {
  w.byte(fieldTag)
  w.varint(key.length + fieldSize(valueLength))
  w.raw(key)
  w.byte(KEY_VALUE_VALUE)
  w.varint(valueLength)
}

/** A KeyValue of an ArrayValue of strings, lengths reserved from UTF-16 lengths (exact for ASCII). */
function writeArrayKeyValue (w: ProtobufWriter, fieldTag: number, key: Buffer, values: readonly string[]): void {
  let arrayLength = 0
  for (const value of values) arrayLength += fieldSize(fieldSize(value.length))
  const valueLength = fieldSize(arrayLength)
  const keyValueReserve = varintSize(key.length + fieldSize(valueLength))
  const valueReserve = varintSize(valueLength)
  const arrayReserve = varintSize(arrayLength)

  w.byte(fieldTag)
  const keyValue = w.begin(keyValueReserve)
  w.raw(key)
  w.byte(KEY_VALUE_VALUE)
  const anyValue = w.begin(valueReserve)
  w.byte(ANY_VALUE_ARRAY)
  const array = w.begin(arrayReserve)
  for (const value of values) {
    w.byte(ARRAY_VALUE_VALUES)
    const itemReserve = varintSize(fieldSize(value.length))
    const item = w.begin(itemReserve)
    w.byte(ANY_VALUE_STRING)
    w.string(value)
    w.end(item, itemReserve)
  }
  w.end(array, arrayReserve)
  w.end(anyValue, valueReserve)
  w.end(keyValue, keyValueReserve)
}

function writeEvent (w: ProtobufWriter, event: OtlpEvent): void {
  w.byte(SPAN_EVENTS)
  const at = w.begin(EVENT_LENGTH_RESERVE)
  w.byte(EVENT_TIME)
  w.fixed64Time(event.time)
  w.byte(EVENT_NAME)
  w.string(event.name)
  writeAttributes(w, EVENT_ATTRIBUTES, event.attributes)
  w.byte(EVENT_DROPPED_ATTRIBUTES_COUNT)
  w.byte(0)
  w.end(at, EVENT_LENGTH_RESERVE)
}

function writeSpan (w: ProtobufWriter, span: OtlpSpan): void {
  w.byte(SCOPE_SPANS_SPANS)
  const at = w.begin(SPAN_LENGTH_RESERVE)
  w.byte(SPAN_TRACE_ID)
  w.bytes(span.traceId)
  w.byte(SPAN_SPAN_ID)
  w.bytes(span.spanId)
  if (span.traceState !== '') {
    w.byte(SPAN_TRACE_STATE)
    w.string(span.traceState)
  }
  if (span.parentSpanId !== undefined) {
    w.byte(SPAN_PARENT_SPAN_ID)
    w.bytes(span.parentSpanId)
  }
  w.byte(SPAN_NAME)
  w.string(span.name)
  if (span.kind !== 0) {
    w.byte(SPAN_KIND)
    w.varint(span.kind)
  }
  w.byte(SPAN_START_TIME)
  w.fixed64Time(span.startTime)
  w.byte(SPAN_END_TIME)
  w.fixed64Time(span.endTime)
  writeAttributes(w, SPAN_ATTRIBUTES, span.attributes)
  // The SDK's serializer sends the dropped counts even when 0; so does this, to stay byte-identical.
  w.byte(SPAN_DROPPED_ATTRIBUTES_COUNT)
  w.byte(0)
  for (const event of span.events) writeEvent(w, event)
  w.byte(SPAN_DROPPED_EVENTS_COUNT)
  w.byte(0)
  w.byte(SPAN_DROPPED_LINKS_COUNT)
  w.byte(0)
  writeStatus(w, span.statusCode, span.statusMessage)
  if (span.flags !== 0) {
    w.varint(SPAN_FLAGS)
    w.fixed32(span.flags)
  }
  w.end(at, SPAN_LENGTH_RESERVE)
}

function writeStatus (w: ProtobufWriter, code: number, message: string): void {
  w.byte(SPAN_STATUS)
  const reserve = varintSize(message.length + 4)
  const at = w.begin(reserve)
  if (message !== '') {
    w.byte(STATUS_MESSAGE)
    w.string(message)
  }
  // The code goes even when UNSET (0), as the SDK's serializer sends it.
  w.byte(STATUS_CODE)
  w.varint(code)
  w.end(at, reserve)
}

/**
 * Spans appended one by one into one buffer, each encoded as it is added. The request's headers go in
 * front of them when finished, into room reserved for them at the start, so the spans are never copied.
 */
export class SpanBatch {
  private readonly w: ProtobufWriter
  private readonly resource: Buffer
  private readonly scope: Buffer
  private readonly spansStart: number
  private spans = 0
  /** Where the last span added starts, so it can be taken back. */
  private lastStart = -1

  /**
   * `resource` and `scope` as `encodeResource` and `encodeScope` make them; room for `capacity` bytes of
   * spans before the buffer doubles. `reuse` is a buffer to write over (a finished batch's `buffer`, no
   * longer read by anyone), used when it has room for `capacity`.
   */
  constructor (resource: Buffer, scope: Buffer, capacity = 64 * 1024, reuse?: Buffer) {
    this.resource = resource
    this.scope = scope
    this.spansStart = 2 * (1 + MAX_VARINT_BYTES) + fieldSize(resource.length) + fieldSize(scope.length)
    this.w = new ProtobufWriter(this.spansStart + capacity, this.spansStart, reuse)
  }

  /** The whole buffer the batch is written in (`finish` returns a view of it). */
  get buffer (): Buffer {
    return this.w.buf
  }

  /** Encodes `span` now. One that fails to encode (a value of no AttributeValue type) leaves the batch as it was. */
  add (span: OtlpSpan): void {
    const start = this.w.pos
    try {
      writeSpan(this.w, span)
    } catch (err) {
      this.w.pos = start
      throw err
    }
    this.lastStart = start
    this.spans++
  }

  /** Takes back the span just added, as if it had never been. */
  removeLast (): void {
    if (this.lastStart < 0) throw new Error('no span to take back')
    this.w.pos = this.lastStart
    this.lastStart = -1
    this.spans--
  }

  get count (): number {
    return this.spans
  }

  /** Bytes of the request if finished now. */
  get byteLength (): number {
    return fieldSize(this.resourceSpansLength(this.scopeSpansLength()))
  }

  private scopeSpansLength (): number {
    return fieldSize(this.scope.length) + this.w.pos - this.spansStart
  }

  private resourceSpansLength (scopeSpansLength: number): number {
    return fieldSize(this.resource.length) + fieldSize(scopeSpansLength)
  }

  /**
   * ExportTraceServiceRequest{ resource_spans: [{ resource, scope_spans: [{ scope, spans }] }] }. The bytes
   * are a view of the batch's buffer: finish a batch once and add nothing to it after.
   */
  finish (): Buffer {
    const w = this.w
    const scopeSpansLength = this.scopeSpansLength()
    const resourceSpansLength = this.resourceSpansLength(scopeSpansLength)
    const start = w.pos - fieldSize(resourceSpansLength)
    const buf = w.buf
    let at = start
    buf[at++] = REQUEST_RESOURCE_SPANS
    at = w.varintAt(at, resourceSpansLength)
    buf[at++] = RESOURCE_SPANS_RESOURCE
    at = w.varintAt(at, this.resource.length)
    at = w.rawAt(this.resource, at)
    buf[at++] = RESOURCE_SPANS_SCOPE_SPANS
    at = w.varintAt(at, scopeSpansLength)
    buf[at++] = SCOPE_SPANS_SCOPE
    at = w.varintAt(at, this.scope.length)
    w.rawAt(this.scope, at)
    return buf.subarray(start, w.pos)
  }
}
