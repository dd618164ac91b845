// `monitorOutgoing`: every fetch/undici request made while serving a request becomes an outgoing span,
// with no wrapper. undici (Node's fetch engine, and the npm package) publishes each request's life on
// diagnostics channels; the request object carries origin, path, method, headers and `addHeader`.
// Bodies are not visible there, so these spans record none.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { randomUUID } from 'node:crypto'
import { context, type Context, type Span, type TextMapSetter } from '@opentelemetry/api'
import { isTracingSuppressed } from '@opentelemetry/core'
import type { ErrorObject } from '../span/errors'
import { headersToBag, type HeaderBag } from '../span/headers'
import { endOutgoingSpan, errorList, injectTraceContext, OBSERVED_CALL, startOutgoingSpan } from './observe-client'
import { REQUEST_TRACE_KEY, type RequestTrace } from '../request/request-trace'

/** What the monitor reads of undici's request object (undici 5 had headers as one string, 6+ a flat array). */
interface UndiciRequest {
  origin?: unknown
  path?: unknown
  method?: unknown
  headers?: unknown
  addHeader?: (name: string, value: string) => unknown
}

interface UndiciResponse { statusCode?: unknown, headers?: unknown }

interface Message { request?: UndiciRequest, response?: UndiciResponse, error?: unknown }

interface Pending {
  trace: RequestTrace
  span: Span
  msgId: string
  status: number
  responseHeaders: HeaderBag
  errors: ErrorObject[]
}

// Keyed by undici's request object, so a request that never completes is simply collected.
const pending = new WeakMap<object, Pending>()

/** The request's own context, where the call was made; undefined when it is not to be recorded. */
function recordingTrace (active: Context): RequestTrace | undefined {
  // Exporters suppress tracing while they send; observe calls already have their span.
  if (isTracingSuppressed(active) || active.getValue(OBSERVED_CALL) !== undefined) return undefined
  const trace = active.getValue(REQUEST_TRACE_KEY) as RequestTrace | undefined
  // Another app's plugin may have the monitor off: the subscription is per process.
  return trace?.instrumentation.options.monitorOutgoing === true ? trace : undefined
}

/** Calls `fn(name, value)` for each header of undici's raw forms: `[k, v, k, v]` arrays, or `k: v\r\n` text. */
function forEachRawHeader (raw: unknown, fn: (name: string, value: string) => void): void {
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const value: unknown = raw[i + 1]
      const values: unknown[] = Array.isArray(value) ? value : [value]
      for (const v of values) fn(String(raw[i]), String(v))
    }
  } else if (typeof raw === 'string') {
    for (const line of raw.split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0) fn(line.slice(0, colon), line.slice(colon + 1).trim())
    }
  }
}

function rawHeadersToBag (raw: unknown): HeaderBag {
  const headers = new Headers()
  forEachRawHeader(raw, (name, value) => {
    try {
      headers.append(name, value)
    } catch {
      // A value fetch's Headers refuses (undici's own validation is looser): left out of the span.
    }
  })
  return headersToBag(headers)
}

function hasHeader (raw: unknown, lowerName: string): boolean {
  let found = false
  forEachRawHeader(raw, (name) => { found ||= name.toLowerCase() === lowerName })
  return found
}

const addHeaderSetter: TextMapSetter<UndiciRequest> = {
  set (request, key, value) { request.addHeader?.(key, value) }
}

function onCreate (message: unknown): void {
  const request = (message as Message).request
  if (request === undefined) return
  const active = context.active()
  const trace = recordingTrace(active)
  if (trace === undefined) return
  try {
    const span = startOutgoingSpan(trace, active)
    // A traceparent the caller set wins: a second one would make the upstream's choice arbitrary.
    if (!hasHeader(request.headers, 'traceparent')) injectTraceContext(trace, active, span, request, addHeaderSetter)
    pending.set(request, { trace, span, msgId: randomUUID(), status: 0, responseHeaders: {}, errors: [] })
  } catch (err) {
    trace.instrumentation.fail(err, 'monitoring an outgoing request')
  }
}

function onHeaders (message: unknown): void {
  const { request, response } = message as Message
  const entry = request === undefined ? undefined : pending.get(request)
  if (entry === undefined || response === undefined) return
  try {
    entry.status = typeof response.statusCode === 'number' ? response.statusCode : 0
    entry.responseHeaders = rawHeadersToBag(response.headers)
  } catch (err) {
    entry.trace.instrumentation.fail(err, 'monitoring an outgoing response')
  }
}

/** Ends the span once: undici may report an error for a request more than once. */
function finish (request: UndiciRequest, error: unknown): void {
  const entry = pending.get(request)
  if (entry === undefined) return
  pending.delete(request)
  try {
    if (error !== undefined) entry.errors.push(...errorList(error))
    const url = new URL(String(request.path), String(request.origin))
    endOutgoingSpan(entry.span, entry.trace, entry.msgId, {
      url,
      method: String(request.method),
      urlWildcard: undefined,
      requestHeaders: rawHeadersToBag(request.headers),
      requestBody: undefined
    }, { status: entry.status, responseHeaders: entry.responseHeaders, responseBody: undefined, errors: entry.errors }, entry.trace.instrumentation.settings)
  } catch (err) {
    entry.trace.instrumentation.fail(err, 'ending an outgoing span')
  }
}

function onTrailers (message: unknown): void {
  const { request } = message as Message
  if (request !== undefined) finish(request, undefined)
}

function onError (message: unknown): void {
  const { request, error } = message as Message
  if (request !== undefined) finish(request, error ?? new Error('undici request failed'))
}

// A subscriber that throws would surface as an uncaught exception: every handler above catches its own.
const CHANNELS: ReadonlyArray<[string, (message: unknown) => void]> = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:trailers', onTrailers],
  ['undici:request:error', onError]
]

// One subscription per process however many apps turn the option on, or each call would be recorded once per app.
let users = 0

/** Subscribes to undici's channels; the returned function unsubscribes (once the last user stopped). */
export function startOutgoingMonitor (): () => void {
  if (users++ === 0) for (const [name, handler] of CHANNELS) subscribe(name, handler)
  let stopped = false
  return function stopOutgoingMonitor () {
    if (stopped) return
    stopped = true
    if (--users === 0) for (const [name, handler] of CHANNELS) unsubscribe(name, handler)
  }
}
