// OpenTelemetry's own OTLP/gRPC transport, fed bytes this package encoded. The delegate is marked internal
// upstream: the version is pinned exactly, and the end-to-end tests fail loudly if an upgrade changes it.
import {
  convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate
} from '@opentelemetry/otlp-grpc-exporter-base'
import { decodeExportResponse, type ExportResponse } from './export-response'

/** One finished export request: its bytes and how many spans they carry. */
export interface EncodedBatch {
  bytes: Buffer
  count: number
}

export interface ExportOutcome {
  ok: boolean
  error: Error | undefined
}

export interface Transport {
  send (batch: EncodedBatch, done: (outcome: ExportOutcome) => void): void
  shutdown (): Promise<void>
}

const SUCCESS = 0

/**
 * A transport to `url` that honours the standard OTEL_EXPORTER_OTLP_* variables (headers, compression,
 * TLS certificates, timeout) as OpenTelemetry's own trace exporter does.
 */
export function createGrpcTransport (url: string, timeoutMillis: number | undefined): Transport {
  const delegate = createOtlpGrpcExportDelegate<EncodedBatch, ExportResponse>(
    convertLegacyOtlpGrpcOptions(timeoutMillis === undefined ? { url } : { url, timeoutMillis }, 'TRACES'),
    {
      serializeRequest: (batch) => batch.bytes,
      deserializeResponse: decodeExportResponse
    },
    'apitoolkit_fastify_span_exporter',
    { name: 'span', countItems: (batch) => batch.count },
    undefined,
    'TraceExportService',
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
  )
  return {
    send (batch, done) {
      delegate.export(batch, (result) => { done({ ok: result.code === SUCCESS, error: result.error }) })
    },
    shutdown: () => delegate.shutdown()
  }
}
