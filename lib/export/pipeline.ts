import type { IncomingHttpHeaders } from 'node:http'
import {
  context, defaultTextMapGetter, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, trace,
  type Context, type Span as ApiSpan, type TextMapPropagator, type Tracer, type TracerProvider
} from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor, NodeTracerProvider,
  type ReadableSpan, type Span, type SpanExporter, type SpanProcessor
} from '@opentelemetry/sdk-trace-node'
import { chunkBySize } from './export-chunks'
import type { ResolvedOptions } from '../options/resolve-options'
import { SPAN_NAME } from '../span/attributes'

/** The minimal logger the pipeline reports through: Fastify's. */
export interface PipelineLogger {
  warn (obj: object, msg: string): void
  debug (obj: object, msg: string): void
}

export interface Pipeline {
  tracer: Tracer
  propagator: TextMapPropagator
  /** True when the plugin started its own provider rather than using a global one. */
  ownsProvider: boolean
  /** Most attributes a span keeps under this provider's limits. */
  attributeLimit: number
  /** Sends every span not yet sent; with an own provider, also shuts it down. Bounded in time. */
  close (): Promise<void>
}

const OWN_ATTRIBUTE_LIMIT = 100_000
// OpenTelemetry's default, what a user's provider has unless its owner raised it.
const DEFAULT_ATTRIBUTE_LIMIT = 128
const EXPORT_TIMEOUT_MS = 5000
const CLOSE_TIMEOUT_MS = 6000
const DROP_LOG_INTERVAL_MS = 10_000
const TRACER_VERSION = '0.1.0'

export function hasGlobalTracerProvider (): boolean {
  // With none registered, the API hands out its no-op provider; a fresh proxy's delegate is that same one.
  const current = trace.getTracerProvider()
  const delegate = current instanceof ProxyTracerProvider ? current.getDelegate() : current
  return delegate !== new ProxyTracerProvider().getDelegate()
}

function envAttributeLimit (env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT ?? env.OTEL_ATTRIBUTE_COUNT_LIMIT
  const n = raw === undefined ? NaN : Number(raw)
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_ATTRIBUTE_LIMIT
}

function withTimeout (work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref()
    work.then(() => { clearTimeout(timer); resolve() }, () => { clearTimeout(timer); resolve() })
  })
}

/**
 * Counts what is waiting for export and refuses spans past the cap, so a slow or unreachable collector
 * costs bounded memory; drops and failures are logged at most once per interval. It sits both in front
 * of the batch processor (admitting spans) and behind it (seeing each batch's result).
 */
class ExportQueue {
  private pending = 0
  private dropped = 0
  private failed = 0
  private lastLog = 0

  constructor (private readonly cap: number, private readonly log: PipelineLogger) {}

  /** The processor the provider sees: admits a span into `batch` while the queue has room. */
  admitting (batch: SpanProcessor): SpanProcessor {
    return {
      onStart: (span: Span, parent: Context) => batch.onStart(span, parent),
      onEnd: (span: ReadableSpan) => {
        if (this.pending >= this.cap) {
          this.dropped++
          this.maybeLog()
          return
        }
        this.pending++
        batch.onEnd(span)
      },
      forceFlush: () => batch.forceFlush(),
      shutdown: async () => {
        try {
          await batch.shutdown()
        } finally {
          this.summarize()
        }
      }
    }
  }

  /**
   * The exporter the batch processor sees: hands each batch on in chunks the collector accepts, one
   * after the other, and settles the count as each is done. The batch fails if any chunk failed.
   */
  settling (exporter: SpanExporter): SpanExporter {
    return {
      export: (spans, done) => {
        const chunks = chunkBySize(spans)
        let outcome: ExportResult = { code: ExportResultCode.SUCCESS }
        const send = (index: number): void => {
          const chunk = chunks[index]
          if (chunk === undefined) {
            done(outcome)
            return
          }
          exporter.export(chunk, (result: ExportResult) => {
            this.pending -= chunk.length
            if (result.code !== ExportResultCode.SUCCESS) {
              this.failed += chunk.length
              this.maybeLog(result.error)
              outcome = result
            }
            send(index + 1)
          })
        }
        send(0)
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve()
    }
  }

  /** At shutdown: the totals, whatever the interval, so what was lost is never unsaid. */
  private summarize (): void {
    if (this.dropped === 0 && this.failed === 0) return
    this.log.warn({ droppedSpans: this.dropped, failedSpans: this.failed }, 'apitoolkit-fastify: spans not delivered in total')
  }

  private maybeLog (error?: Error): void {
    const now = Date.now()
    if (now - this.lastLog < DROP_LOG_INTERVAL_MS) return
    this.lastLog = now
    this.log.warn(
      { droppedSpans: this.dropped, failedSpans: this.failed, pendingSpans: this.pending, err: error },
      'apitoolkit-fastify: spans not delivered (collector slow or unreachable)'
    )
  }
}

function startOwnProvider (options: ResolvedOptions, log: PipelineLogger): NodeTracerProvider {
  const exporter = new OTLPTraceExporter({ url: options.otlpEndpoint, timeoutMillis: EXPORT_TIMEOUT_MS })
  const queue = new ExportQueue(options.maxQueueSize, log)
  // The batch queue never overflows on its own: the ExportQueue admits no more than the cap.
  const batch = new BatchSpanProcessor(queue.settling(exporter), { maxQueueSize: options.maxQueueSize + 1 })
  const given: Record<string, string> = {}
  if (options.serviceName !== '') given['service.name'] = options.serviceName
  if (options.serviceVersion !== '') given['service.version'] = options.serviceVersion
  if (options.apiKey !== undefined) given['at-project-key'] = options.apiKey
  const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes(given))
  return new NodeTracerProvider({
    resource,
    spanProcessors: [queue.admitting(batch)],
    spanLimits: { attributeCountLimit: OWN_ATTRIBUTE_LIMIT }
  })
}

/** Uses the process's global TracerProvider when there is one, otherwise starts the plugin's own. */
export function createPipeline (options: ResolvedOptions, log: PipelineLogger, env: NodeJS.ProcessEnv = process.env): Pipeline {
  if (hasGlobalTracerProvider()) {
    const provider = trace.getTracerProvider()
    const flushable = (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) as TracerProvider & { forceFlush?: () => Promise<void> }
    log.debug({}, 'apitoolkit-fastify: using the global TracerProvider')
    return {
      tracer: provider.getTracer(options.serviceName, TRACER_VERSION),
      propagator: propagation,
      ownsProvider: false,
      attributeLimit: envAttributeLimit(env),
      close: () => withTimeout(flushable.forceFlush?.() ?? Promise.resolve(), CLOSE_TIMEOUT_MS)
    }
  }
  const provider = startOwnProvider(options, log)
  // Making the span active needs a context manager; keep one the process already has.
  const contextManager = new AsyncLocalStorageContextManager().enable()
  if (!context.setGlobalContextManager(contextManager)) contextManager.disable()
  log.debug({ endpoint: options.otlpEndpoint }, 'apitoolkit-fastify: started its own TracerProvider')
  return {
    tracer: provider.getTracer(options.serviceName, TRACER_VERSION),
    propagator: new W3CTraceContextPropagator(),
    ownsProvider: true,
    attributeLimit: OWN_ATTRIBUTE_LIMIT,
    close: () => withTimeout(provider.shutdown(), CLOSE_TIMEOUT_MS)
  }
}

/** The APItoolkit span of an incoming request, continuing the trace its headers carry (`traceparent`). */
export function startServerSpan (pipeline: Pipeline, headers: IncomingHttpHeaders): { span: ApiSpan, parent: Context } {
  const parent = pipeline.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter)
  return { span: pipeline.tracer.startSpan(SPAN_NAME, { kind: SpanKind.SERVER }, parent), parent }
}
