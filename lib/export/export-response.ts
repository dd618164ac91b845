// The collector's answer to an export (opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse),
// in the shape OpenTelemetry's export delegate reads: it warns when `partialSuccess` is present and not
// empty. Read here rather than with otlp-transformer's protobufjs serializer, which the runtime would
// load (tens of milliseconds and a few MB) for this one message.
import { readFields, Reader, safeNumber, WIRE_LEN, WIRE_VARINT } from './protobuf-reader'

export interface PartialSuccess {
  rejectedSpans?: number | string
  errorMessage?: string
}

export interface ExportResponse {
  partialSuccess?: PartialSuccess
}

// ExportTracePartialSuccess: int64 rejected_spans = 1, string error_message = 2
function decodePartialSuccess (r: Reader): PartialSuccess {
  const partial: PartialSuccess = {}
  readFields(r, {
    1: [WIRE_VARINT, (f) => {
      // Logged as JSON, which has no bigint: a count past 2^53 stays exact as decimal text.
      const count = safeNumber(f.int64())
      partial.rejectedSpans = typeof count === 'bigint' ? count.toString() : count
    }],
    2: [WIRE_LEN, (f) => { partial.errorMessage = f.string() }]
  })
  return partial
}

/** ExportTraceServiceResponse: ExportTracePartialSuccess partial_success = 1. Throws on malformed bytes. */
export function decodeExportResponse (bytes: Uint8Array): ExportResponse {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const response: ExportResponse = {}
  readFields(new Reader(buf), {
    1: [WIRE_LEN, (f) => { response.partialSuccess = decodePartialSuccess(f.sub()) }]
  })
  return response
}
