import { ProxyTracerProvider, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api'
import { idFromHex, toHex } from './ids'

/** The span an APItoolkit span hangs under, when there is one. */
export interface ParentSpan {
  traceId: Buffer
  spanId: Buffer
  traceFlags: number
  traceState: string
  isRemote: boolean
  /** Another instrumentation's SERVER span for the same request: the APItoolkit span is then INTERNAL. */
  isServerSpan: boolean
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/

/** A W3C `traceparent` header's parent, or undefined when absent, repeated or not valid. */
export function parseTraceparent (header: string | string[] | undefined, tracestate: string | string[] | undefined): ParentSpan | undefined {
  if (typeof header !== 'string') return undefined
  const m = TRACEPARENT.exec(header.trim())
  if (m === null || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined
  const traceId = idFromHex(m[2], 16)
  const spanId = idFromHex(m[3], 8)
  if (traceId === undefined || spanId === undefined) return undefined
  return {
    traceId,
    spanId,
    traceFlags: parseInt(m[4], 16) & TraceFlags.SAMPLED,
    traceState: typeof tracestate === 'string' ? tracestate : Array.isArray(tracestate) ? tracestate.join(',') : '',
    isRemote: true,
    isServerSpan: false
  }
}

/** The span another instrumentation made active in `ctx`, or undefined. */
export function activeParent (ctx: Context): ParentSpan | undefined {
  const span = trace.getSpan(ctx)
  if (span === undefined) return undefined
  const sc = span.spanContext()
  // Read straight from the hex, which also checks it as isSpanContextValid does: two hex ids, not all zero.
  const traceId = idFromHex(sc.traceId, 16)
  const spanId = idFromHex(sc.spanId, 8)
  if (traceId === undefined || spanId === undefined) return undefined
  return {
    traceId,
    spanId,
    traceFlags: sc.traceFlags,
    traceState: sc.traceState?.serialize() ?? '',
    isRemote: sc.isRemote === true,
    // The SDK's spans expose their kind; a span that does not is taken as not a server span.
    isServerSpan: (span as { kind?: unknown }).kind === SpanKind.SERVER
  }
}

/** The W3C `traceparent` value naming `spanId` in `traceId`. */
export function formatTraceparent (traceId: Buffer, spanId: Buffer, traceFlags: number): string {
  return `00-${toHex(traceId)}-${toHex(spanId)}-${traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`
}

/** Whether the process registered a global TracerProvider, whose instrumentations may make spans. */
export function hasGlobalTracerProvider (): boolean {
  // With none registered, the API hands out its no-op provider; a fresh proxy's delegate is that same one.
  const current = trace.getTracerProvider()
  const delegate = current instanceof ProxyTracerProvider ? current.getDelegate() : current
  return delegate !== new ProxyTracerProvider().getDelegate()
}
