import { context, createContextKey, type Context } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import type { ObserveBody, ObserveClient, ObserveInit, ObserveOptions } from '../../types/index'
import { captureBody, redactedBody } from '../body/capture-body'
import { compileRedaction, type RedactionPlan } from '../redaction'
import type { PluginState } from '../request/plugin-state'
import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import { headersToBag } from '../span/headers'
import { endOutgoingSpan, noResponseStatus, type OutgoingRequest } from './outgoing-call'
import type { OutgoingParent } from './outgoing-parent'

/** Set in the context an `observe` call runs fetch in, so the outgoing monitor does not record it a second time. */
export const OBSERVED_CALL = createContextKey('apitoolkit-fastify observed call')

// Per-call redaction lists, compiled once per distinct list.
// Lists normally come from code, so there are few; the cap only bounds lists built from request data.
const MAX_CACHED_LISTS = 256

/** A body plan, or null when a per-call path is invalid: the body is then replaced whole by the marker. */
type BodyPlan = RedactionPlan | null

class RedactionCache {
  private readonly headerLists = new Map<string, ReadonlySet<string>>()
  private readonly plans = new Map<string, BodyPlan>()

  constructor (private readonly plugin: PluginState) {}

  headersFor (extra: readonly string[]): ReadonlySet<string> {
    const base = this.plugin.settings.redactHeaders
    if (extra.length === 0) return base
    return cached(this.headerLists, extra.join('\n'), () => new Set([...base, ...extra.map((name) => name.toLowerCase())]))
  }

  planFor (kind: 'request' | 'response', extra: readonly string[]): BodyPlan {
    const { options } = this.plugin
    if (extra.length === 0) return kind === 'request' ? options.requestPlan : options.responsePlan
    const base = kind === 'request' ? options.redactRequestBody : options.redactResponseBody
    return cached(this.plans, `${kind}\n${extra.join('\n')}`, () => {
      try {
        return compileRedaction([...base, ...extra])
      } catch (err) {
        // Logged once, as the plan is cached: the call still goes out, and its body is not sent in clear.
        this.plugin.fail(err, `compiling a per-call ${kind === 'request' ? 'redactRequestBody' : 'redactResponseBody'} list`)
        return null
      }
    })
  }
}

function cached<V> (map: Map<string, V>, key: string, make: () => V): V {
  if (map.has(key)) return map.get(key) as V
  const value = make()
  if (map.size >= MAX_CACHED_LISTS) map.delete(map.keys().next().value as string)
  map.set(key, value)
  return value
}

const caches = new WeakMap<PluginState, RedactionCache>()

function cacheOf (plugin: PluginState): RedactionCache {
  let cache = caches.get(plugin)
  if (cache === undefined) {
    cache = new RedactionCache(plugin)
    caches.set(plugin, cache)
  }
  return cache
}

function captureWith (body: string | Buffer | undefined, contentType: string | null, plan: BodyPlan, maxBytes: number): Buffer | undefined {
  if (body === undefined) return undefined
  return plan === null ? redactedBody(maxBytes) : captureBody(body, contentType ?? undefined, plan, maxBytes)
}

/** The per-call options merged with the client's defaults: lists add up, the call's wildcard wins. */
interface CallOptions {
  urlWildcard: string | undefined
  redactHeaders: readonly string[]
  redactRequestBody: readonly string[]
  redactResponseBody: readonly string[]
}

function mergeOptions (defaults: ObserveOptions, given: ObserveOptions): CallOptions {
  const join = (a: string[] | undefined, b: string[] | undefined): readonly string[] =>
    a === undefined || a.length === 0 ? b ?? [] : b === undefined || b.length === 0 ? a : [...a, ...b]
  return {
    urlWildcard: given.urlWildcard ?? defaults.urlWildcard,
    redactHeaders: join(defaults.redactHeaders, given.redactHeaders),
    redactRequestBody: join(defaults.redactRequestBody, given.redactRequestBody),
    redactResponseBody: join(defaults.redactResponseBody, given.redactResponseBody)
  }
}

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

/**
 * The bytes of a body fetch sends as they are; undefined for streams, forms and blobs, which are not read.
 * Binary bodies are copied: the span is built later, and the caller may reuse its buffer meanwhile.
 */
function bodyBytes (body: unknown): string | Buffer | undefined {
  if (typeof body === 'string') return body
  if (body instanceof URLSearchParams) return body.toString()
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body))
  if (ArrayBuffer.isView(body)) return Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
  return undefined
}

const READ_SLACK_BYTES = 4096

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
    const cache = cacheOf(plugin)
    const url = new URL(isRequest(input) ? input.url : String(input))
    // A copy: the caller's init and headers are never changed.
    const headers = new Headers(fetchInit.headers ?? (isRequest(input) ? input.headers : undefined))
    this.redactHeaders = cache.headersFor(options.redactHeaders)
    this.responsePlan = cache.planFor('response', options.redactResponseBody)
    this.span = parent.span.outgoing()
    // Exactly one traceparent, this call's: other instrumentations are kept out of the call (see fetchContext).
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

  /**
   * The context fetch runs in: marked so the outgoing monitor skips it, and with tracing suppressed so
   * another instrumentation neither records the call again nor adds a second traceparent.
   */
  fetchContext (): Context {
    return suppressTracing(this.parent.context ?? context.active()).setValue(OBSERVED_CALL, true)
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
    // A little past the limit, so a long JSON body is cut structurally rather than read as broken JSON.
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
    response = await context.with(call.fetchContext(), fetch, undefined, input, call.init)
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
