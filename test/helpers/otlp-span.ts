// One plain OTLP span for tests of the encoder and the pipeline: fixed ids and times, the attributes given.
import { spanFlags, type AttributeList, type OtlpSpan } from '../../lib/export/otlp-encoder'

export function sampleSpan (attributes: AttributeList, overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, 2),
    parentSpanId: undefined,
    traceState: '',
    name: 'monoscope.http',
    kind: 2,
    startTime: [1_700_000_000, 1],
    endTime: [1_700_000_000, 999_999_999],
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: '',
    flags: spanFlags(1, false),
    ...overrides
  }
}
