// Attributes encoded ahead, in runs that repeat from one span to the next or change at any place: the
// batch holds exactly the bytes of the same spans given as plain keys and values, and decodes, with the
// official protos, to every attribute in order.
import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import {
  attributeKey, encodeResource, encodeScope, encodeSpanAttribute, SpanBatch,
  type AttributeList, type EncodedAttribute, type OtlpSpan
} from '../../../lib/export/otlp-encoder'
import { decodeTraceRequest } from '../../helpers/official-protos'

/** One attribute of the pool: its key and value, and the same pair encoded ahead, shared by every span. */
interface PoolEntry { key: string, value: string | number, encoded: EncodedAttribute }

const POOL: PoolEntry[] = Array.from({ length: 12 }, (_, i) => {
  const key = `attr.${i}`
  const value = i % 3 === 0 ? i * 1000 : `value ${i} ${'é'.repeat(i * 11)}`
  return { key, value, encoded: encodeSpanAttribute(attributeKey(key), value) }
})

/** An attribute of a span: a pool entry, given encoded ahead or as a plain pair. */
interface Use { entry: number, encoded: boolean }

function asEncoded (uses: Use[]): AttributeList {
  return uses.flatMap(({ entry, encoded }): Array<AttributeList[number]> => encoded ? [POOL[entry].encoded, null] : [attributeKey(POOL[entry].key), POOL[entry].value])
}

function asPlain (uses: Use[]): AttributeList {
  return uses.flatMap(({ entry }) => [attributeKey(POOL[entry].key), POOL[entry].value])
}

function span (attributes: AttributeList, n: number): OtlpSpan {
  return {
    traceId: Buffer.alloc(16, n + 1),
    spanId: Buffer.alloc(8, n + 1),
    parentSpanId: undefined,
    traceState: '',
    name: 'apitoolkit-http-span',
    kind: 2,
    startTime: [1_764_979_200, n],
    endTime: [1_764_979_201, n],
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: '',
    flags: 0x101
  }
}

const RESOURCE = encodeResource(['service.name', 'runs'])
const SCOPE = encodeScope('apitoolkit-fastify', '')

function encode (spans: AttributeList[]): Buffer {
  const batch = new SpanBatch(RESOURCE, SCOPE)
  spans.forEach((attributes, n) => { batch.add(span(attributes, n)) })
  return Buffer.from(batch.finish())
}

type Step = { kind: 'new', uses: Use[] } | { kind: 'same' } | { kind: 'changed', at: number, to: Use }

const use: fc.Arbitrary<Use> = fc.record({ entry: fc.integer({ min: 0, max: POOL.length - 1 }), encoded: fc.boolean() })
// Long lists hold many runs, past the places that are remembered.
const uses = fc.oneof({ arbitrary: fc.array(use, { maxLength: 8 }), weight: 3 }, { arbitrary: fc.array(use, { minLength: 20, maxLength: 40 }), weight: 1 })
/** A span's attributes: new ones, the last span's again, or the last span's with one attribute changed. */
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('new' as const), uses }),
  fc.record({ kind: fc.constant('same' as const) }),
  fc.record({ kind: fc.constant('changed' as const), at: fc.nat(), to: use })
)

function spansOf (steps: Step[]): Use[][] {
  const spans: Use[][] = []
  let last: Use[] = []
  for (const s of steps) {
    if (s.kind === 'new') last = s.uses
    else if (s.kind === 'changed' && last.length > 0) last = last.map((u, i) => i === s.at % last.length ? s.to : u)
    spans.push(last)
  }
  return spans
}

t.test('runs of encoded attributes, repeated or changed from span to span, give the bytes of the plain attributes', async (t) => {
  let repeatedRuns = 0
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
      const spans = spansOf(steps)
      const ours = encode(spans.map(asEncoded))
      const plain = encode(spans.map(asPlain))
      assert.ok(ours.equals(plain), 'byte for byte')
      const decoded = decodeTraceRequest(ours) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ attributes?: Array<{ key: string }> }> }> }> }
      const keys = decoded.resourceSpans[0].scopeSpans[0].spans.map((s) => (s.attributes ?? []).map((a) => a.key))
      assert.deepEqual(keys, spans.map((s) => s.map(({ entry }) => POOL[entry].key)), 'every attribute, in order')
      for (let i = 1; i < spans.length; i++) if (spans[i] === spans[i - 1] && spans[i].some((u) => u.encoded)) repeatedRuns++
    }),
    { numRuns: 300 }
  )
  t.ok(repeatedRuns >= 100, `${repeatedRuns} spans repeated the last span's runs`)
})

t.test('a run seen a third time is copied as the block made the second time, with the same bytes', async (t) => {
  const run: Use[] = [0, 1, 2, 3].map((entry) => ({ entry, encoded: true }))
  const once = encode([asPlain(run)])
  for (let i = 0; i < 3; i++) t.ok(encode([asEncoded(run)]).equals(once), `time ${i + 1}`)
  const other: Use[] = [0, 1, 5, 3].map((entry) => ({ entry, encoded: true }))
  t.ok(encode([asEncoded(other)]).equals(encode([asPlain(other)])), 'a run changed in its middle is not taken for the last one')
})
