// `monitorOutgoing`: every fetch/undici request made while serving a request becomes an outgoing span,
// with no wrapper. undici (Node's fetch engine, and the npm package) publishes each request's life on
// diagnostics channels; the request object carries origin, path, method, headers and `addHeader`.
// Bodies are not visible there, so these spans record none.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { context } from '@opentelemetry/api'
import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import { headersToBag, type HeaderBag } from '../span/headers'
import { endOutgoingSpan, monitoredStatus } from './outgoing-call'
import { recordingParent, type OutgoingParent } from './outgoing-parent'

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
  parent: OutgoingParent
  span: ApitoolkitSpan
  /** 0 until response headers arrive. */
  status: number
  responseHeaders: HeaderBag
}

// Keyed by undici's request object, so a request that never completes is simply collected.
const pending = new WeakMap<object, Pending>()

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

function onCreate (message: unknown): void {
  const request = (message as Message).request
  if (request === undefined) return
  const parent = recordingParent(context.active())
  if (parent === undefined) return
  try {
    const span = parent.span.outgoing()
    // A traceparent already there (the caller's, or another instrumentation's, subscribed before this
    // monitor) wins: a second one would make the upstream reject both.
    if (!hasHeader(request.headers, 'traceparent')) request.addHeader?.('traceparent', span.traceparent())
    pending.set(request, { parent, span, status: 0, responseHeaders: {} })
  } catch (err) {
    parent.plugin.fail(err, 'monitoring an outgoing request')
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
    entry.parent.plugin.fail(err, 'monitoring an outgoing response')
  }
}

/** Ends the span once: undici may report an error for a request more than once. */
function finish (request: UndiciRequest, error: unknown): void {
  const entry = pending.get(request)
  if (entry === undefined) return
  pending.delete(request)
  try {
    if (error !== undefined) entry.span.recordError(error)
    const url = new URL(String(request.path), String(request.origin))
    endOutgoingSpan(entry.span, entry.parent, {
      url,
      method: String(request.method),
      urlWildcard: undefined,
      requestHeaders: rawHeadersToBag(request.headers),
      requestBody: undefined
    }, {
      status: entry.status === 0 ? monitoredStatus(error) : entry.status,
      responseHeaders: entry.responseHeaders,
      responseBody: undefined
    }, entry.parent.plugin.settings.redactHeaders)
  } catch (err) {
    entry.parent.plugin.fail(err, 'ending an outgoing span')
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

/** Starts recording fetch/undici requests. */
export function watchUndici (): void {
  for (const [name, handler] of CHANNELS) subscribe(name, handler)
}

export function unwatchUndici (): void {
  for (const [name, handler] of CHANNELS) unsubscribe(name, handler)
}
