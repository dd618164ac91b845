// APItoolkit spans made with the official OpenTelemetry SDK, so the collector is tested on real OTLP
// bytes: sent to a collector by the OTLP/gRPC exporter, one export per span (a test controls the order
// in which they arrive), or serialized by the official protobuf serializer for the decoder alone.
import { SpanKind, context, trace, type Attributes, type HrTime, type Span, type Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import { decodeExportTraceServiceRequest, type ReceivedSpan } from '../../lib/collector/otlp-decode'
import {
  ATTR, EXCEPTION_EVENT, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, SCOPE_NAME, SDK_TYPE_INCOMING,
  SDK_TYPE_OUTGOING, SPAN_NAME
} from '../../lib/span/names'
import type { Teardown } from './teardown'


export const b64 = (text: string): string => Buffer.from(text).toString('base64')

/** A provider exporting each span as it ends to `url`, shut down with the test. */
export function directProvider (t: Teardown, url: string, resource: Record<string, string> = {}): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))]
  })
  t.teardown(() => provider.shutdown())
  return provider
}

/**
 * The spans `build` makes, as the collector decodes them from the bytes the OTLP exporter would send.
 * The scope is the plugin's, as on its real spans.
 */
export async function decodedSpans (build: (tracer: Tracer) => void, resource: Record<string, string> = {}): Promise<ReceivedSpan[]> {
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(exporter)] })
  build(provider.getTracer(SCOPE_NAME, '0.1.0'))
  await provider.forceFlush()
  const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())
  await provider.shutdown()
  if (bytes === undefined) throw new Error('the OTLP serializer produced nothing')
  return decodeExportTraceServiceRequest(Buffer.from(bytes))
}

/** An incoming request's APItoolkit span with the attributes every one has, `attributes` on top. */
export function startIncoming (tracer: Tracer, msgId: string, attributes: Attributes, startTime: HrTime = [1700000000, 0], kind = SpanKind.SERVER): Span {
  return tracer.startSpan(SPAN_NAME, {
    kind,
    startTime,
    attributes: {
      [ATTR.msgId]: msgId,
      [ATTR.sdkType]: SDK_TYPE_INCOMING,
      [ATTR.parentId]: '',
      [ATTR.requestBody]: '',
      [ATTR.responseBody]: '',
      [ATTR.errors]: '[]',
      ...attributes
    }
  })
}

/** An outgoing call's APItoolkit span, a child of `request`, naming it by `parentMsgId`. */
export function startOutgoing (tracer: Tracer, request: Span, parentMsgId: string, attributes: Attributes, startTime: HrTime = [1700000000, 1_000_000]): Span {
  return tracer.startSpan(SPAN_NAME, {
    kind: SpanKind.CLIENT,
    startTime,
    attributes: {
      [ATTR.msgId]: `${parentMsgId}-out`,
      [ATTR.sdkType]: SDK_TYPE_OUTGOING,
      [ATTR.parentId]: parentMsgId,
      [ATTR.requestBody]: '',
      [ATTR.responseBody]: '',
      [ATTR.errors]: '[]',
      ...attributes
    }
  }, trace.setSpan(context.active(), request))
}

/** An error as the plugin records it: an `exception` event, its causes after the stack. */
export function addException (span: Span, type: string, message: string, stacktrace: string, time: HrTime): void {
  span.addEvent(EXCEPTION_EVENT, { [EXCEPTION_TYPE]: type, [EXCEPTION_MESSAGE]: message, [EXCEPTION_STACKTRACE]: stacktrace }, time)
}
