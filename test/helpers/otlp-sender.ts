// Sends hand-made APItoolkit spans to a collector through the real SDK and OTLP/gRPC exporter, one export
// per span, so a test controls the order in which they arrive.
import { SpanKind, context, trace, type Span, type Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A provider exporting each span as it ends to `url`, shut down with the test. */
export function directProvider (t: Teardown, url: string, serviceName?: string): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(serviceName === undefined ? {} : { 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))]
  })
  t.teardown(() => provider.shutdown())
  return provider
}

/** An incoming request's span and an outgoing call under it, started at a fixed time. */
export function requestWithCall (tracer: Tracer): { request: Span, call: Span } {
  const request = tracer.startSpan('apitoolkit-http-span', { kind: SpanKind.SERVER, startTime: [1700000000, 0] })
  const call = tracer.startSpan('apitoolkit-http-span', { kind: SpanKind.CLIENT, startTime: [1700000000, 1_000_000] }, trace.setSpan(context.active(), request))
  return { request, call }
}
