import type { ReadableSpan } from '@opentelemetry/sdk-trace-node'

/**
 * Most bytes one export request may carry. An OpenTelemetry Collector (and most gRPC servers) refuses
 * messages over 4 MiB by default, and a batch of 512 spans with captured 64 KiB bodies is about 90 MiB:
 * sent whole, every span of it would be lost. The margin covers what the estimate below leaves out.
 */
export const EXPORT_BYTES_BUDGET = 3 * 1024 * 1024

/** Ids, times, name, kind and status of a span, with their protobuf framing. */
const SPAN_FRAMING_BYTES = 128
/** Framing of one attribute, and the size given to a value that is not a string. */
const ATTRIBUTE_FRAMING_BYTES = 8

function valueBytes (value: unknown): number {
  // Three bytes per UTF-16 unit bounds any non-ASCII text; bodies are base64 and headers mostly ASCII.
  if (typeof value === 'string') return value.length * 3
  if (!Array.isArray(value)) return ATTRIBUTE_FRAMING_BYTES
  let bytes = ATTRIBUTE_FRAMING_BYTES
  for (const item of value) bytes += ATTRIBUTE_FRAMING_BYTES + (typeof item === 'string' ? item.length * 3 : 0)
  return bytes
}

/** An upper estimate of a span's encoded size: its attribute strings dominate it. */
export function estimateSpanBytes (span: ReadableSpan): number {
  let bytes = SPAN_FRAMING_BYTES + span.name.length
  const attributes = span.attributes
  for (const key in attributes) {
    const value = attributes[key]
    bytes += ATTRIBUTE_FRAMING_BYTES + key.length + valueBytes(value)
  }
  return bytes
}

/**
 * Cuts a batch into runs of spans whose estimated size stays within `budget`. A span larger than the
 * budget on its own goes alone: the collector may still refuse it, but it takes no other span with it.
 */
export function chunkBySize (spans: ReadableSpan[], budget: number = EXPORT_BYTES_BUDGET): ReadableSpan[][] {
  const chunks: ReadableSpan[][] = []
  let chunk: ReadableSpan[] = []
  let bytes = 0
  for (const span of spans) {
    const size = estimateSpanBytes(span)
    if (chunk.length > 0 && bytes + size > budget) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(span)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}
