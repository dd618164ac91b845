import { context } from '@opentelemetry/api'
import type { ObserveBody, ObserveClient, ObserveInit, ObserveOptions } from '../../types/index'
import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import { headersToBag } from '../span/headers'
import { bodyBytes, captureWith, mergeOptions, READ_SLACK_BYTES, redactionCache, type BodyPlan, type CallOptions } from './call-options'
import { endOutgoingSpan, noResponseStatus, type OutgoingRequest } from './outgoing-call'
import { observedCallContext, type OutgoingParent } from './outgoing-parent'

/** Splits the observe-only keys off, so fetch gets exactly a RequestInit. */
function splitInit (init: ObserveInit | undefined): [ObserveOptions, RequestInit] {
  if (init === undefined) return [{}, {}]
  const { urlWildcard, redactHeaders, redactRequestBody, redactResponseBody, ...fetchInit } = init
  return [{ urlWildcard, redactHeaders, redactRequestBody, redactResponseBody }, fetchInit]
}

function isRequest (input: string | URL | Request): input is Request {
  return typeof input === 'object' && !(input instanceof URL)
}

// fetch upper-cases these method names and sends any other as given.
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

function methodOf (input: string | URL | Request, init: RequestInit): string {
  const method = init.method ?? (isRequest(input) ? input.method : 'GET')
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

/** The body's content type as fetch will send it: a URLSearchParams body is a form unless the caller said otherwise. */
function contentTypeOf (body: unknown, headers: Headers): string | null {
  const given = headers.get('content-type')
  return given === null && body instanceof URLSearchParams ? 'application/x-www-form-urlencoded' : given
}

/** A call in flight: its span and what the span will say. */
class ObservedCall {
  readonly span: ApitoolkitSpan
  /** The init fetch gets: the caller's, with a copy of its headers carrying the trace context. */
  readonly init: RequestInit
  readonly request: OutgoingRequest
  private readonly redactHeaders: ReadonlySet<string>
  private readonly responsePlan: BodyPlan

  constructor (readonly parent: OutgoingParent, input: string | URL | Request, fetchInit: RequestInit, options: CallOptions) {
    const { plugin } = parent
    const cache = redactionCache(plugin)
    const url = new URL(isRequest(input) ? input.url : String(input))
    // A copy: the caller's init and headers are never changed.
    const headers = new Headers(fetchInit.headers ?? (isRequest(input) ? input.headers : undefined))
    this.redactHeaders = cache.headersFor(options.redactHeaders)
    this.responsePlan = cache.planFor('response', options.redactResponseBody)
    this.span = parent.span.outgoing()
    // Exactly one traceparent, this call's: other instrumentations are kept out of the call (observedCallContext).
    headers.set('traceparent', this.span.traceparent())
    this.init = { ...fetchInit, headers }
    this.request = {
      url,
      method: methodOf(input, fetchInit),
      urlWildcard: options.urlWildcard,
      requestHeaders: headersToBag(headers),
      requestBody: captureWith(bodyBytes(fetchInit.body), contentTypeOf(fetchInit.body, headers), cache.planFor('request', options.redactRequestBody), plugin.options.maxBodyBytes)
    }
  }

  finish (status: number, responseHeaders: Headers | undefined, body: Buffer | undefined, error: unknown): void {
    if (error !== undefined) this.span.recordError(error)
    const contentType = responseHeaders?.get('content-type') ?? null
    endOutgoingSpan(this.span, this.parent, this.request, {
      status,
      responseHeaders: responseHeaders === undefined ? {} : headersToBag(responseHeaders),
      responseBody: captureWith(body, contentType, this.responsePlan, this.parent.plugin.options.maxBodyBytes)
    }, this.redactHeaders)
  }

  /** Reads a copy of the body for the span, at most maxBodyBytes, then ends the span; the caller's body is untouched. */
  watch (response: Response): void {
    if (response.body === null) return this.finish(response.status, response.headers, undefined, undefined)
    // clone() tees the body: the caller keeps a stream of the full body, the copy is read here in parallel.
    const copy = response.clone().body as ReadableStream<Uint8Array>
    readPrefix(copy, this.parent.plugin.options.maxBodyBytes + READ_SLACK_BYTES).then(
      (body) => { this.guard(() => { this.finish(response.status, response.headers, body, undefined) }) },
      (err: unknown) => { this.guard(() => { this.finish(response.status, response.headers, undefined, err) }) }
    )
  }

  guard (step: () => void): void {
    try {
      step()
    } catch (err) {
      this.parent.plugin.fail(err, 'recording an outgoing call')
    }
  }
}

/**
 * The first `maxBytes` bytes of a stream. The stream is cancelled past them, so a huge body is never
 * buffered for the span: a cancelled tee branch stops queueing, the other one carries on.
 */
async function readPrefix (stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  const all = Buffer.concat(chunks)
  return all.length > maxBytes ? all.subarray(0, maxBytes) : all
}

function startCall (parent: OutgoingParent, input: string | URL | Request, fetchInit: RequestInit, options: CallOptions): ObservedCall | undefined {
  try {
    return new ObservedCall(parent, input, fetchInit, options)
  } catch (err) {
    parent.plugin.fail(err, 'starting an outgoing span')
    return undefined
  }
}

/** fetch, with a span when there is a request to attach it to; whatever fetch gives or throws reaches the caller as is. */
async function observedFetch (
  parent: OutgoingParent | undefined, defaults: ObserveOptions, input: string | URL | Request, init: ObserveInit | undefined
): Promise<Response> {
  const [given, fetchInit] = splitInit(init)
  const call = parent === undefined ? undefined : startCall(parent, input, fetchInit, mergeOptions(defaults, given))
  if (call === undefined) return await fetch(input, fetchInit)
  let response: Response
  try {
    response = await context.with(observedCallContext(call.parent), fetch, undefined, input, call.init)
  } catch (err) {
    call.guard(() => { call.finish(noResponseStatus(err, call.init.signal), undefined, undefined, err) })
    throw err
  }
  call.guard(() => { call.watch(response) })
  return response
}

function isJsonValue (body: ObserveBody | undefined): body is Record<string, unknown> | unknown[] {
  if (Array.isArray(body)) return true
  if (typeof body !== 'object' || body === null) return false
  const proto = Object.getPrototypeOf(body) as unknown
  return proto === Object.prototype || proto === null
}

/** The init of `post`/`put`/`patch`: a plain object or array goes as JSON, with its content type unless given. */
function withBody (method: string, body: ObserveBody | undefined, init: ObserveInit | undefined): ObserveInit {
  if (body === undefined) return { ...init, method }
  if (!isJsonValue(body)) return { ...init, method, body }
  const headers = new Headers(init?.headers)
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  return { ...init, method, headers, body: JSON.stringify(body) }
}

/**
 * The outgoing client of one request; `parent` undefined gives a plain client (no span) for requests the
 * plugin does not trace. `defaults` apply to every call.
 */
export function createObserveClient (parent: OutgoingParent | undefined, defaults: ObserveOptions = {}): ObserveClient {
  const call = (input: string | URL | Request, init?: ObserveInit): Promise<Response> => observedFetch(parent, defaults, input, init)
  // async, so a body JSON cannot encode (a cycle) rejects like any failed call rather than throwing.
  const send = (method: string) => async (url: string | URL, body?: ObserveBody, init?: ObserveInit) => await call(url, withBody(method, body, init))
  return {
    fetch: call,
    get: (url, init) => call(url, { ...init, method: 'GET' }),
    head: (url, init) => call(url, { ...init, method: 'HEAD' }),
    delete: (url, init) => call(url, { ...init, method: 'DELETE' }),
    post: send('POST'),
    put: send('PUT'),
    patch: send('PATCH')
  }
}
