// Property: spans of every shape, encoded by SpanBatch, are byte for byte what ProtobufTraceSerializer
// sends for the same spans as SDK ReadableSpans; decoded with the official protos, both give the same
// message, and that message holds the values the spans were made from.
import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import type { Attributes, AttributeValue as SdkAttributeValue, SpanKind, SpanStatusCode, TraceState } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node'
import {
  attributeKey, Base64Text, encodeResource, encodeScope, SpanBatch, spanFlags,
  type AttributeList, type AttributeValue, type OtlpSpan
} from '../../../lib/export/otlp-encoder'
import { decodeTraceRequest, flattenTraceRequest, messagesAt, type FlatSpan, type FlatValue } from '../../helpers/official-protos'
import { sampleSpan } from '../../helpers/otlp-span'

interface Attribute { key: string, precomputed: boolean, value: AttributeValue }
interface EventModel { time: [number, number], name: string, attributes: Attribute[] }
interface SpanModel {
  traceId: Uint8Array
  spanId: Uint8Array
  parent: { spanId: Uint8Array, isRemote: boolean } | undefined
  traceFlags: number
  traceState: string
  name: string
  /** OTLP's SpanKind */
  kind: number
  startTime: [number, number]
  endTime: [number, number]
  attributes: Attribute[]
  events: EventModel[]
  statusCode: number
  statusMessage: string
}
interface BatchModel {
  resource: Attribute[]
  scopeName: string
  scopeVersion: string
  capacity: number
  spans: SpanModel[]
}

// `binary` is any code point but half surrogates: NUL, controls, astral planes.
const shortText = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 2 }
)
// Runs of 1- to 4-byte characters, so UTF-16 and UTF-8 lengths fall on either side of 128 and 16384.
const CHUNKS = ['a', 'é', '€', '😀', 'a€', 'é😀', 'ab€']
const mediumText = fc.tuple(fc.constantFrom(...CHUNKS), fc.integer({ min: 20, max: 200 })).map(([c, n]) => c.repeat(n))
const longText = fc.tuple(fc.constantFrom(...CHUNKS), fc.integer({ min: 4000, max: 17_000 })).map(([c, n]) => c.repeat(n))
const text = fc.oneof(
  { arbitrary: shortText, weight: 14 },
  { arbitrary: mediumText, weight: 2 },
  { arbitrary: longText, weight: 1 }
)

// The SDK takes attributes as an object, which lists integer-like keys first: such keys would change the
// order, not the encoding.
const attributeName = fc.oneof({ arbitrary: shortText, weight: 10 }, { arbitrary: mediumText, weight: 1 })
  .filter((key) => !/^[0-9]+$/.test(key))
// resourceFromAttributes drops the keys a plain object inherits (`valueOf`, `__proto__`, …).
const resourceAttributeName = attributeName.filter((key) => !(key in Object.prototype))

const integer = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 1, -1, 127, 128, -128, 2 ** 31, 2 ** 32, -(2 ** 32), 2 ** 53, -(2 ** 53), 2 ** 60,
    2 ** 63 - 1024, -(2 ** 63), 2 ** 63, -(2 ** 63) - 4096, 2 ** 64, 1e300, Number.MIN_SAFE_INTEGER)
)

/** Bytes from a seed (xorshift32): big bodies without fast-check building them byte by byte. */
function seededBytes (length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = (seed | 0) === 0 ? 1 : seed | 0
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

// Bodies as Buffers and as plain views that do not start their ArrayBuffer.
const body = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1000, max: 70_000 })), fc.integer(), fc.boolean()
).map(([length, seed, asBuffer]) => {
  const bytes = seededBytes(length + 3, seed)
  return new Base64Text(asBuffer ? Buffer.from(bytes.buffer, 3, length) : bytes.subarray(3))
})

const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  { arbitrary: text, weight: 10 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: integer, weight: 3 },
  { arbitrary: fc.double(), weight: 2 },
  {
    arbitrary: fc.array(fc.oneof({ arbitrary: shortText, weight: 4 }, { arbitrary: mediumText, weight: 1 }), { maxLength: 5 }),
    weight: 2
  },
  { arbitrary: body, weight: 2 }
)

const attributesNamed = (name: fc.Arbitrary<string>): fc.Arbitrary<Attribute[]> => fc.uniqueArray(
  fc.record({ key: name, precomputed: fc.boolean(), value }),
  { selector: (a) => a.key, maxLength: 10 }
)
const attributes = attributesNamed(attributeName)

const hrTime = fc.tuple(
  fc.oneof(
    fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
    fc.integer({ min: 0, max: 2 ** 35 }),
    fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 18_446_744_073, 18_446_744_074)
  ),
  fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 999_999_999))
)

const id = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length })

const span: fc.Arbitrary<SpanModel> = fc.record({
  traceId: id(16),
  spanId: id(8),
  parent: fc.option(fc.record({ spanId: id(8), isRemote: fc.boolean() }), { nil: undefined }),
  traceFlags: fc.integer({ min: 0, max: 255 }),
  traceState: fc.oneof(fc.constant(''), shortText),
  name: text,
  kind: fc.integer({ min: 0, max: 5 }),
  startTime: hrTime,
  endTime: hrTime,
  attributes,
  events: fc.array(fc.record({ time: hrTime, name: text, attributes }), { maxLength: 3 }),
  statusCode: fc.integer({ min: 0, max: 2 }),
  statusMessage: fc.oneof(fc.constant(''), text)
})

const batchOf = (spans: fc.Arbitrary<SpanModel[]>, resource: fc.Arbitrary<Attribute[]>): fc.Arbitrary<BatchModel> => fc.record({
  resource,
  scopeName: shortText,
  scopeVersion: fc.oneof(fc.constant(''), shortText),
  capacity: fc.constantFrom(0, 256, 64 * 1024),
  spans
})
// Now and then a request under 128 bytes: one bare span.
const bareSpan = span.map((s) => ({ ...s, name: '', traceState: '', attributes: [], events: [], statusMessage: '' }))
const batch = fc.oneof(
  { arbitrary: batchOf(fc.array(span, { minLength: 1, maxLength: 6 }), attributesNamed(resourceAttributeName)), weight: 10 },
  { arbitrary: batchOf(fc.tuple(bareSpan), fc.constant([])), weight: 1 }
)

// --- the same spans for the encoder and for the SDK

function attributeList (attributes: Attribute[]): AttributeList {
  return attributes.flatMap((a) => [a.precomputed ? attributeKey(a.key) : a.key, a.value])
}

function otlpSpan (s: SpanModel): OtlpSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parent?.spanId,
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    startTime: s.startTime,
    endTime: s.endTime,
    attributes: attributeList(s.attributes),
    events: s.events.map((e) => ({ time: e.time, name: e.name, attributes: attributeList(e.attributes) })),
    statusCode: s.statusCode,
    statusMessage: s.statusMessage,
    flags: spanFlags(s.traceFlags, s.parent?.isRemote ?? false)
  }
}

function sdkValue (value: AttributeValue): SdkAttributeValue {
  if (value instanceof Base64Text) return Buffer.from(value.bytes).toString('base64')
  return Array.isArray(value) ? [...value] : value as string | number | boolean
}

function sdkAttributes (attributes: Attribute[]): Attributes {
  return Object.fromEntries(attributes.map((a) => [a.key, sdkValue(a.value)]))
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** What the serializer reads of a trace state. */
function traceState (serialized: string): TraceState {
  return { serialize: () => serialized } as unknown as TraceState
}

function readableSpan (s: SpanModel, resource: Resource, scope: { name: string, version: string }): ReadableSpan {
  const context = { traceId: hex(s.traceId), spanId: hex(s.spanId), traceFlags: s.traceFlags }
  return {
    name: s.name,
    // The API's SpanKind is OTLP's minus one; the serializer sends an absent kind as UNSPECIFIED.
    kind: (s.kind === 0 ? undefined : s.kind - 1) as SpanKind,
    spanContext: () => ({ ...context, traceState: s.traceState === '' ? undefined : traceState(s.traceState) }),
    parentSpanContext: s.parent === undefined
      ? undefined
      : { traceId: context.traceId, spanId: hex(s.parent.spanId), traceFlags: s.traceFlags, isRemote: s.parent.isRemote },
    startTime: s.startTime,
    endTime: s.endTime,
    status: { code: s.statusCode as SpanStatusCode, message: s.statusMessage },
    attributes: sdkAttributes(s.attributes),
    links: [],
    events: s.events.map((e) => ({
      time: e.time, name: e.name, attributes: sdkAttributes(e.attributes), droppedAttributesCount: 0
    })),
    duration: [0, 0],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0
  }
}

function encodeWithBatch (b: BatchModel): { bytes: Buffer, byteLength: number, count: number } {
  const spanBatch = new SpanBatch(encodeResource(attributeList(b.resource)), encodeScope(b.scopeName, b.scopeVersion), b.capacity)
  for (const s of b.spans) spanBatch.add(otlpSpan(s))
  const byteLength = spanBatch.byteLength
  return { bytes: spanBatch.finish(), byteLength, count: spanBatch.count }
}

function encodeWithSdk (b: BatchModel): Uint8Array {
  const resource = resourceFromAttributes(sdkAttributes(b.resource))
  const scope = { name: b.scopeName, version: b.scopeVersion }
  const bytes = ProtobufTraceSerializer.serializeRequest(b.spans.map((s) => readableSpan(s, resource, scope)))
  assert.ok(bytes !== undefined)
  return bytes
}

// --- the values the spans were made from, as the decoded message must hold them

function expectedValue (v: AttributeValue): FlatValue {
  if (v instanceof Base64Text) return Buffer.from(v.bytes).toString('base64')
  if (typeof v === 'number') {
    // int_value for integers that fit an int64, double_value for the rest
    if (!Number.isInteger(v) || v < -(2 ** 63) || v >= 2 ** 63) return v
    return Number.isSafeInteger(v) ? v + 0 : BigInt(v) // + 0: -0 goes as 0
  }
  return typeof v === 'object' ? [...v] : v
}

function expectedAttributes (attributes: Attribute[]): Record<string, FlatValue> {
  return Object.fromEntries(attributes.map((a) => [a.key, expectedValue(a.value)]))
}

function nanos ([seconds, nanoseconds]: [number, number]): string {
  return String((BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds)) % 2n ** 64n)
}

function expectedSpans (b: BatchModel): FlatSpan[] {
  const resource = expectedAttributes(b.resource)
  const scope = { name: b.scopeName, version: b.scopeVersion }
  return b.spans.map((s) => ({
    resource,
    scope,
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    parentSpanId: s.parent === undefined ? '' : hex(s.parent.spanId),
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: expectedAttributes(s.attributes),
    droppedAttributesCount: 0,
    events: s.events.map((e) => ({
      name: e.name, timeUnixNano: nanos(e.time), attributes: expectedAttributes(e.attributes), droppedAttributesCount: 0
    })),
    droppedEventsCount: 0,
    linkCount: 0,
    status: { code: s.statusCode, message: s.statusMessage },
    flags: s.traceFlags | 0x100 | (s.parent?.isRemote === true ? 0x200 : 0)
  }))
}

function utf8NeedsLongerLength (text: string): boolean {
  return Buffer.byteLength(text) >= 128 && lengthSize(Buffer.byteLength(text)) !== lengthSize(text.length)
}

function lengthSize (length: number): number {
  return length < 128 ? 1 : length < 16384 ? 2 : length < 2 ** 21 ? 3 : 4
}

t.test('SpanBatch sends the bytes ProtobufTraceSerializer sends, decoding to the spans it was given', async (t) => {
  const seen = {
    requestLengthSizes: new Set<number>(),
    spanLengthSizes: new Set<number>(),
    textsMoved: 0,
    bodies: 0,
    largeIntegers: 0,
    negativeIntegers: 0,
    doubles: 0,
    arrays: 0,
    events: 0,
    parents: 0
  }
  fc.assert(
    fc.property(batch, (b) => {
      const ours = encodeWithBatch(b)
      const sdk = encodeWithSdk(b)
      assert.deepEqual(decodeTraceRequest(ours.bytes), decodeTraceRequest(sdk), 'decoded with the official protos')
      assert.ok(ours.bytes.equals(sdk), 'byte for byte')
      assert.equal(ours.byteLength, ours.bytes.length, 'byteLength')
      assert.equal(ours.count, b.spans.length, 'count')
      assert.deepEqual(flattenTraceRequest(ours.bytes), expectedSpans(b), 'the values given')

      for (const m of messagesAt(ours.bytes, [1])) seen.requestLengthSizes.add(m.lengthSize)
      for (const m of messagesAt(ours.bytes, [1, 2, 2])) seen.spanLengthSizes.add(m.lengthSize)
      const all = [...b.resource, ...b.spans.flatMap((s) => [...s.attributes, ...s.events.flatMap((e) => e.attributes)])]
      for (const { value: v } of all) {
        if (typeof v === 'string' && utf8NeedsLongerLength(v)) seen.textsMoved++
        if (v instanceof Base64Text) seen.bodies++
        if (Array.isArray(v)) seen.arrays++
        if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) seen.largeIntegers++
        if (typeof v === 'number' && Number.isInteger(v) && v < 0) seen.negativeIntegers++
        if (typeof v === 'number' && !Number.isInteger(v)) seen.doubles++
      }
      for (const s of b.spans) {
        seen.events += s.events.length
        if (s.parent !== undefined) seen.parents++
      }
    }),
    { numRuns: 500 }
  )
  t.comment(JSON.stringify({
    ...seen, requestLengthSizes: [...seen.requestLengthSizes], spanLengthSizes: [...seen.spanLengthSizes]
  }))
  // Worth something only if the runs reached every length size and every kind of value.
  t.same([...seen.requestLengthSizes].sort(), [1, 2, 3], 'requests under 128 bytes, under 16 KiB and over')
  t.same([...seen.spanLengthSizes].sort(), [1, 2, 3], 'spans under 128 bytes, under 16 KiB and over')
  t.ok(seen.textsMoved >= 20, `${seen.textsMoved} strings whose UTF-8 length needed a longer varint than their UTF-16 length`)
  for (const kind of ['bodies', 'largeIntegers', 'negativeIntegers', 'doubles', 'arrays', 'events', 'parents'] as const) {
    t.ok(seen[kind] >= 20, `${seen[kind]} ${kind}`)
  }
})


t.test('a request over 2 MiB gets four-byte lengths in front and a string whose length outgrows two reservations', async (t) => {
  const model: BatchModel = {
    resource: [{ key: 'service.name', precomputed: true, value: 'svc' }],
    scopeName: 'apitoolkit-fastify',
    scopeVersion: '1.2.3',
    capacity: 1024,
    spans: [0, 1, 2].map((i) => ({
      traceId: Buffer.alloc(16, i + 1),
      spanId: Buffer.alloc(8, i + 1),
      parent: undefined,
      traceFlags: 1,
      traceState: '',
      name: 'monoscope.http',
      kind: 2,
      startTime: [1_700_000_000, i],
      endTime: [1_700_000_001, i],
      attributes: [
        { key: 'http.request.body', precomputed: true, value: new Base64Text(seededBytes(600_000, i + 7)) },
        // 1.1 million UTF-16 units (a 3-byte length) become 2.2 MB (a 4-byte one)
        { key: 'big', precomputed: false, value: 'é'.repeat(1_100_000) }
      ],
      events: [],
      statusCode: 2,
      statusMessage: 'HTTP 500'
    }))
  }
  const ours = encodeWithBatch(model)
  const sdk = encodeWithSdk(model)
  t.same(messagesAt(ours.bytes, [1]).map((m) => m.lengthSize), [4], 'the ResourceSpans length takes four bytes')
  t.same(messagesAt(ours.bytes, [1, 2, 2]).map((m) => m.lengthSize), [4, 4, 4], 'so does each span\'s')
  t.ok(ours.bytes.equals(sdk), 'byte for byte the SDK\'s')
  t.same(decodeTraceRequest(ours.bytes), decodeTraceRequest(sdk))
  t.equal(ours.byteLength, ours.bytes.length)
})

t.test('byteLength is, after each span added, the length finish would give', async (t) => {
  const sizes: number[] = []
  const spanBatch = new SpanBatch(encodeResource(['service.name', 'svc']), encodeScope('scope', ''), 0)
  for (let i = 0; i < 40; i++) {
    const before = spanBatch.byteLength
    spanBatch.add(sampleSpan(['http.target', 'x'.repeat(i * 50)]))
    sizes.push(spanBatch.byteLength - before)
    t.equal(spanBatch.count, i + 1)
  }
  const byteLength = spanBatch.byteLength
  const bytes = spanBatch.finish()
  t.equal(byteLength, bytes.length)
  t.equal(flattenTraceRequest(bytes).length, 40)
  t.ok(sizes.every((size, i) => i === 0 || size >= sizes[i - 1]), 'each longer span adds more')
})

t.test('a span taken back leaves the batch byte for byte as if it had never been added', async (t) => {
  const make = (): SpanBatch => new SpanBatch(encodeResource(['service.name', 'svc']), encodeScope('scope', ''), 0)
  const taken = make()
  const plain = make()
  for (const batch of [taken, plain]) batch.add(sampleSpan(['http.target', '/a']))
  taken.add(sampleSpan(['http.target', 'x'.repeat(5000)]))
  taken.removeLast()
  t.equal(taken.count, 1)
  t.equal(taken.byteLength, plain.byteLength)
  t.throws(() => { taken.removeLast() }, /no span to take back/, 'only the span just added')
  taken.add(sampleSpan(['http.target', '/b']))
  plain.add(sampleSpan(['http.target', '/b']))
  t.ok(taken.finish().equals(plain.finish()))
})

t.test('an empty batch is a request carrying the resource and the scope, with no span', async (t) => {
  const resource = encodeResource([attributeKey('service.name'), 'svc', 'n', 7])
  const spanBatch = new SpanBatch(resource, encodeScope('apitoolkit-fastify', '0.1.0'))
  t.equal(spanBatch.count, 0)
  const bytes = spanBatch.finish()
  t.equal(spanBatch.byteLength, bytes.length)
  t.same(decodeTraceRequest(bytes), {
    resourceSpans: [{
      resource: {
        attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }, { key: 'n', value: { intValue: '7' } }],
        droppedAttributesCount: 0
      },
      scopeSpans: [{ scope: { name: 'apitoolkit-fastify', version: '0.1.0' } }]
    }]
  })
})

t.test('kind 0 and flags 0 stay off the wire; status code 0 and the dropped counts are sent', async (t) => {
  const spanBatch = new SpanBatch(encodeResource([]), encodeScope('s', ''))
  spanBatch.add(sampleSpan([], { kind: 0, flags: 0 }))
  spanBatch.add(sampleSpan([], { flags: spanFlags(1, false) }))
  const bytes = spanBatch.finish()
  interface Decoded { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> }
  const decoded = decodeTraceRequest(bytes) as unknown as Decoded
  const sent = decoded.resourceSpans[0].scopeSpans[0].spans[0]
  t.notOk('kind' in sent, 'no kind')
  t.notOk('parentSpanId' in sent, 'no parent')
  t.notOk('traceState' in sent, 'no trace state')
  t.same(sent.status, { code: 0 })
  t.equal(sent.droppedAttributesCount, 0)
  t.equal(sent.droppedEventsCount, 0)
  t.equal(sent.droppedLinksCount, 0)
  // Status is the field before flags: the first span ends with it, the second has six bytes of flags after it.
  const [first, second] = messagesAt(bytes, [1, 2, 2])
  t.equal(messagesAt(bytes, [15], first.start, first.end)[0].end, first.end, 'no flags')
  t.equal(messagesAt(bytes, [15], second.start, second.end)[0].end, second.end - 6, 'flags when not 0')
  t.same(flattenTraceRequest(bytes).map((s) => s.flags), [0, 0x101])
})

t.test('spanFlags: the trace flags\' low byte, the has-is-remote bit, and the is-remote bit for a remote parent', async (t) => {
  t.equal(spanFlags(0, false), 0x100)
  t.equal(spanFlags(1, false), 0x101)
  t.equal(spanFlags(1, true), 0x301)
  t.equal(spanFlags(0xff, true), 0x3ff)
  t.equal(spanFlags(0x1ff, false), 0x1ff, 'bits above the low byte are not trace flags')
})

t.test('attributeKey is made once per name: the KeyValue.key field in UTF-8', async (t) => {
  const key = attributeKey('http.request.header.x-é')
  t.equal(attributeKey('http.request.header.x-é'), key, 'the same object on the second call')
  t.equal(key.name, 'http.request.header.x-é')
  t.same([...key.bytes], [0x0a, 24, ...Buffer.from('http.request.header.x-é')])
  const long = attributeKey('k'.repeat(200))
  t.same([...long.bytes.subarray(0, 3)], [0x0a, 0xc8, 0x01], 'a two-byte length past 127 bytes')
})

t.test('past its bound the key cache still gives every name its own bytes', async (t) => {
  for (let i = 0; i < 3000; i++) {
    const name = `header-${i}`
    const key = attributeKey(name)
    if (key.name !== name || !key.bytes.equals(Buffer.from([0x0a, name.length, ...Buffer.from(name)]))) {
      t.fail(`wrong key for ${name}`)
      return
    }
  }
  t.pass('3000 names')
})

t.test('a plain string key and its AttributeKey encode the same', async (t) => {
  const encode = (key: string | ReturnType<typeof attributeKey>): Buffer => {
    const spanBatch = new SpanBatch(encodeResource([]), encodeScope('s', ''))
    spanBatch.add(sampleSpan([key, 'v', 'n', 1]))
    return spanBatch.finish()
  }
  t.ok(encode('a-key-€').equals(encode(attributeKey('a-key-€'))))
})

t.test('a span that fails to encode throws and leaves the batch with the spans before it', async (t) => {
  const spanBatch = new SpanBatch(encodeResource([]), encodeScope('s', ''))
  spanBatch.add(sampleSpan(['a', 'first']))
  const byteLength = spanBatch.byteLength
  const broken = ['a', 'x'.repeat(500), 'b', null] as unknown as AttributeList
  t.throws(() => spanBatch.add(sampleSpan(broken)))
  t.equal(spanBatch.count, 1)
  t.equal(spanBatch.byteLength, byteLength)
  spanBatch.add(sampleSpan(['a', 'third']))
  t.same(flattenTraceRequest(spanBatch.finish()).map((s) => s.attributes), [{ a: 'first' }, { a: 'third' }])
})
