// The collector's answer to an export, encoded with the official protos, reads as OpenTelemetry's own
// serializer reads it: partial success present or not, the rejected count, the message.
import t from 'tap'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { decodeExportResponse } from '../../../lib/export/export-response'
import { OtlpDecodeError } from '../../../lib/export/protobuf-reader'

interface GeneratedResponse {
  encode (message: object): { finish (): Uint8Array }
}
const root = require('otlp-official-protos/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceResponse: GeneratedResponse } } } } }
}
const { ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1

interface Normalized {
  partial: boolean
  rejectedSpans?: string
  errorMessage?: string
}

/** What the export delegate's warning depends on, from either reading. */
function normalize (response: unknown): Normalized {
  const partial = (response as { partialSuccess?: Record<string, unknown> | null }).partialSuccess
  if (partial === undefined || partial === null || !Object.prototype.hasOwnProperty.call(response, 'partialSuccess')) return { partial: false }
  const out: Normalized = { partial: true }
  if (partial.rejectedSpans !== undefined && partial.rejectedSpans !== null) out.rejectedSpans = String(partial.rejectedSpans)
  if (typeof partial.errorMessage === 'string' && partial.errorMessage !== '') out.errorMessage = partial.errorMessage
  return out
}

t.test('every answer reads as the official serializer reads it', async (t) => {
  const partial = fc.record({
    // Counts a collector can send; past 2^53 OpenTelemetry's serializer reads a rounded number (and a
    // negative int64 as a huge unsigned one), so those are checked on their own below.
    rejectedSpans: fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }).map(String),
    errorMessage: fc.string({ unit: 'grapheme', maxLength: 60 })
  }, { requiredKeys: [] })
  fc.assert(fc.property(fc.option(partial, { nil: undefined }), (partialSuccess) => {
    const bytes = ExportTraceServiceResponse.encode(partialSuccess === undefined ? {} : { partialSuccess }).finish()
    const ours = normalize(decodeExportResponse(bytes))
    assert.deepEqual(ours, normalize(ProtobufTraceSerializer.deserializeResponse(bytes)))
    assert.equal(ours.partial, partialSuccess !== undefined)
    if (partialSuccess?.rejectedSpans !== undefined) assert.equal(ours.rejectedSpans, partialSuccess.rejectedSpans)
  }), { numRuns: 300 })
  t.pass('300 answers')
})

t.test('an empty answer (the usual success) has no partial success', async (t) => {
  t.same(decodeExportResponse(new Uint8Array(0)), {})
  t.notOk(Object.prototype.hasOwnProperty.call(decodeExportResponse(Buffer.alloc(0)), 'partialSuccess'))
})

t.test('a rejected count and message are read as numbers and text', async (t) => {
  const bytes = ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: 3, errorMessage: 'quota exceeded' } }).finish()
  t.same(decodeExportResponse(bytes), { partialSuccess: { rejectedSpans: 3, errorMessage: 'quota exceeded' } })
})

t.test('counts past 2^53 and negative ones are kept exactly, as decimal text', async (t) => {
  for (const count of ['9007199254740993', '-1', '-9223372036854775808']) {
    const bytes = ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: count } }).finish()
    t.same(decodeExportResponse(bytes), { partialSuccess: { rejectedSpans: count } }, count)
  }
})

t.test('unknown fields are skipped', async (t) => {
  // field 9 (varint 1), then partial_success { error_message: "x" }
  const bytes = Buffer.from([0x48, 0x01, 0x0a, 0x03, 0x12, 0x01, 0x78])
  t.same(decodeExportResponse(bytes), { partialSuccess: { errorMessage: 'x' } })
})

t.test('malformed bytes throw a decode error, which the delegate logs as a warning', async (t) => {
  // partial_success claiming 5 bytes with 1 present
  t.throws(() => decodeExportResponse(Buffer.from([0x0a, 0x05, 0x08])), OtlpDecodeError)
  // field number 0
  t.throws(() => decodeExportResponse(Buffer.from([0x00, 0x01])), OtlpDecodeError)
})
