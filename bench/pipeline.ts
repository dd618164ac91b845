// The trace pipeline the OpenTelemetry Node SDK sets up by default, for the variants that rely on a
// global provider: a NodeTracerProvider registered globally (which also installs the
// AsyncLocalStorage context manager and the W3C propagators), a BatchSpanProcessor with its
// defaults, and the OTLP/gRPC trace exporter aimed at the collector.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'

/** `collector` is an http:// URL: the exporter then talks plaintext gRPC, like the plugin. */
export function installGlobalPipeline (collector: string): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: collector }))]
  })
  provider.register()
  return provider
}
