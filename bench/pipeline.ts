// The tracing pipeline every traced variant shares: a global NodeTracerProvider whose exporter does
// the CPU work of a real OTLP export (protobuf serialization of each batch) without any network, so
// the benchmark measures instrumentation cost, not a collector.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanExporter
} from '@opentelemetry/sdk-trace-node'

/** Serializes each batch to OTLP protobuf, counts its spans and discards the bytes. */
export class CountingProtobufExporter implements SpanExporter {
  spans = 0

  export (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    ProtobufTraceSerializer.serializeRequest(spans)
    this.spans += spans.length
    resultCallback({ code: ExportResultCode.SUCCESS })
  }

  async shutdown (): Promise<void> {}
}

export interface BenchPipeline {
  /** Spans the exporter has serialized so far. */
  spansExported (): number
  /** Exports every span still queued, so counts taken after it are complete. */
  flush (): Promise<void>
}

/** Installs the pipeline as the global provider. Call before the instrumentation is registered. */
export function installGlobalPipeline (): BenchPipeline & { provider: NodeTracerProvider } {
  const exporter = new CountingProtobufExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
  provider.register()
  return {
    provider,
    spansExported: () => exporter.spans,
    flush: () => provider.forceFlush()
  }
}
