import { randomUUID } from 'node:crypto'
import {
  context, createContextKey, SpanKind, SpanStatusCode, trace as otelTrace,
  type Context, type Span, type TextMapSetter
} from '@opentelemetry/api'
import type { ObserveBody, ObserveClient, ObserveInit, ObserveOptions } from '../../types/index'
import { captureBody, redactedBody, type CapturedBody } from '../body/capture-body'
import { contentTypeOf } from '../body/content-type'
import { toErrorObject, type ErrorObject } from '../span/errors'
import { headersToBag, type HeaderBag } from '../span/headers'
import type { Instrumentation } from '../request/instrumentation'
import { compileRedaction, type RedactionPlan } from '../redaction/redaction'
import type { RequestTrace } from '../request/request-trace'
import { buildAttributes, pathParamsJson, searchParamsJson, SDK_TYPE_OUTGOING, SPAN_NAME, type SpanSettings } from '../span/attributes'

/** Set in the context an `observe` call runs fetch in, so the outgoing monitor does not record it a second time. */
export const OBSERVED_CALL = createContextKey('apitoolkit-fastify observed call')

// ---- the span of one outgoing call, shared with the outgoing monitor ----------------------------------

/** What is known about an outgoing call when it starts. */
export interface OutgoingRequest {
  url: URL
  method: string
  /** `urlWildcard`, or undefined for the URL path. */
  urlWildcard: string | undefined
  requestHeaders: HeaderBag
  /** Already redacted. */
  requestBody: CapturedBody
}

/** How an outgoing call ended: status 0 when no response arrived. */
export interface OutgoingResult {
  status: number
  responseHeaders: HeaderBag
  /** Already redacted. */
  responseBody: CapturedBody
  errors: readonly ErrorObject[]
}

export function startOutgoingSpan (trace: RequestTrace, parent: Context): Span {
  return trace.instrumentation.pipeline.tracer.startSpan(SPAN_NAME, { kind: SpanKind.CLIENT }, parent)
}

/** Injects `span`'s trace context (and the parent's baggage, if propagated) the way the pipeline propagates. */
export function injectTraceContext<C> (trace: RequestTrace, parent: Context, span: Span, carrier: C, setter: TextMapSetter<C>): void {
  trace.instrumentation.pipeline.propagator.inject(otelTrace.setSpan(parent, span), carrier, setter)
}

/** `{"id":"42"}` for wildcard `/items/:id` and path `/items/42`; `{}` when they do not line up. */
function wildcardParams (wildcard: string | undefined, pathname: string): string {
  if (wildcard === undefined || !wildcard.includes(':')) return pathParamsJson(undefined)
  const names = wildcard.split('/')
  const values = pathname.split('/')
  if (names.length !== values.length) return pathParamsJson(undefined)
  const params: Record<string, string> = {}
  names.forEach((name, i) => {
    if (name.startsWith(':') && name.length > 1) params[name.slice(1)] = safeDecode(values[i])
  })
  return pathParamsJson(params)
}

function safeDecode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Sets every attribute in one call, as for incoming spans, and ends the span. */
export function endOutgoingSpan (
  span: Span, trace: RequestTrace, msgId: string, req: OutgoingRequest, res: OutgoingResult, settings: SpanSettings
): void {
  const { url } = req
  span.setAttributes(buildAttributes({
    hostName: url.host,
    msgId,
    parentId: trace.msgId,
    sdkType: SDK_TYPE_OUTGOING,
    route: req.urlWildcard ?? url.pathname,
    target: url.pathname + url.search,
    method: req.method,
    status: res.status,
    queryParams: searchParamsJson(url.search),
    pathParams: wildcardParams(req.urlWildcard, url.pathname),
    requestBody: req.requestBody?.toString('base64') ?? '',
    responseBody: res.responseBody?.toString('base64') ?? '',
    errors: res.errors,
    requestHeaders: req.requestHeaders,
    responseHeaders: res.responseHeaders
  }, settings))
  // As for incoming spans, a 5xx is an error; so is a call that got no response at all.
  if (res.status === 0 || res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
}

export function errorList (error: unknown): ErrorObject[] {
  const entry = toErrorObject(error)
  return entry === undefined ? [] : [entry]
}

// ---- per-call redaction lists, compiled once per distinct list ------------------------------------------

// Lists normally come from code, so there are few; the cap only bounds lists built from request data.
const MAX_CACHED_LISTS = 256

/** A body plan, or null when a per-call path is invalid: the body is then replaced whole by the marker. */
type BodyPlan = RedactionPlan | null

class RedactionCache {
  private readonly settings = new Map<string, SpanSettings>()
  private readonly plans = new Map<string, BodyPlan>()

  constructor (private readonly inst: Instrumentation) {}

  settingsFor (extra: readonly string[]): SpanSettings {
    const base = this.inst.settings
    if (extra.length === 0) return base
    return cached(this.settings, extra.join('\n'), () => ({
      ...base,
      redactHeaders: new Set([...base.redactHeaders, ...extra.map((name) => name.toLowerCase())])
    }))
  }

  planFor (kind: 'request' | 'response', extra: readonly string[]): BodyPlan {
    const { options } = this.inst
    if (extra.length === 0) return kind === 'request' ? options.requestPlan : options.responsePlan
    const base = kind === 'request' ? options.redactRequestBody : options.redactResponseBody
    return cached(this.plans, `${kind}\n${extra.join('\n')}`, () => {
      try {
        return compileRedaction([...base, ...extra])
      } catch (err) {
        // Logged once, as the plan is cached: the call still goes out, and its body is not sent in clear.
        this.inst.fail(err, `compiling a per-call ${kind === 'request' ? 'redactRequestBody' : 'redactResponseBody'} list`)
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

const caches = new WeakMap<Instrumentation, RedactionCache>()

function cacheOf (inst: Instrumentation): RedactionCache {
  let cache = caches.get(inst)
  if (cache === undefined) {
    cache = new RedactionCache(inst)
    caches.set(inst, cache)
  }
  return cache
}

function captureWith (body: string | Buffer | undefined, contentType: string | undefined, plan: BodyPlan, maxBytes: number): CapturedBody {
  if (body === undefined) return undefined
  return plan === null ? redactedBody(maxBytes) : captureBody(body, contentType, plan, maxBytes)
}

// ---- one observed call --------------------------------------------------------------------------------

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

const headersSetter: TextMapSetter<Headers> = {
  set (carrier, key, value) { carrier.set(key, value) }
}

/** A call in flight: its span and what the span will say. */
class ObservedCall {
  readonly msgId = randomUUID()
  readonly span: Span
  /** The init fetch gets: the caller's, with a copy of its headers carrying the trace context. */
  readonly init: RequestInit
  readonly request: OutgoingRequest
  private readonly settings: SpanSettings
  private readonly responsePlan: BodyPlan

  constructor (readonly trace: RequestTrace, input: string | URL | Request, fetchInit: RequestInit, options: CallOptions) {
    const cache = cacheOf(trace.instrumentation)
    const url = new URL(isRequest(input) ? input.url : String(input))
    // A copy: the caller's init and headers are never changed.
    const headers = new Headers(fetchInit.headers ?? (isRequest(input) ? input.headers : undefined))
    this.settings = cache.settingsFor(options.redactHeaders)
    this.responsePlan = cache.planFor('response', options.redactResponseBody)
    this.span = startOutgoingSpan(trace, trace.context)
    injectTraceContext(trace, trace.context, this.span, headers, headersSetter)
    this.init = { ...fetchInit, headers }
    this.request = {
      url,
      method: methodOf(input, fetchInit),
      urlWildcard: options.urlWildcard,
      requestHeaders: headersToBag(headers),
      requestBody: captureWith(bodyBytes(fetchInit.body), headers.get('content-type') ?? undefined,
        cache.planFor('request', options.redactRequestBody), trace.instrumentation.options.maxBodyBytes)
    }
  }

  /** The context fetch runs in: this call's span active, marked so the monitor skips it. */
  fetchContext (): Context {
    return otelTrace.setSpan(this.trace.context, this.span).setValue(OBSERVED_CALL, true)
  }

  finish (status: number, responseHeaders: HeaderBag, body: Buffer | undefined, error: unknown): void {
    endOutgoingSpan(this.span, this.trace, this.msgId, this.request, {
      status,
      responseHeaders,
      responseBody: captureWith(body, contentTypeOf(responseHeaders['content-type']), this.responsePlan,
        this.trace.instrumentation.options.maxBodyBytes),
      errors: error === undefined ? [] : errorList(error)
    }, this.settings)
  }

  /** Reads a copy of the body for the span, at most maxBodyBytes, then ends the span; the caller's body is untouched. */
  watch (response: Response): void {
    const headers = headersToBag(response.headers)
    if (response.body === null) return this.finish(response.status, headers, undefined, undefined)
    // clone() tees the body: the caller keeps a stream of the full body, the copy is read here in parallel.
    const copy = response.clone().body as ReadableStream<Uint8Array>
    readPrefix(copy, this.trace.instrumentation.options.maxBodyBytes).then(
      (body) => { this.guard(() => { this.finish(response.status, headers, body, undefined) }) },
      (err: unknown) => { this.guard(() => { this.finish(response.status, headers, undefined, err) }) }
    )
  }

  guard (step: () => void): void {
    try {
      step()
    } catch (err) {
      this.trace.instrumentation.fail(err, 'recording an outgoing call')
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

function startCall (trace: RequestTrace, input: string | URL | Request, fetchInit: RequestInit, options: CallOptions): ObservedCall | undefined {
  try {
    return new ObservedCall(trace, input, fetchInit, options)
  } catch (err) {
    trace.instrumentation.fail(err, 'starting an outgoing span')
    return undefined
  }
}

/** fetch, with a span when there is a request to attach it to; whatever fetch gives or throws reaches the caller as is. */
async function observedFetch (
  trace: RequestTrace | undefined, defaults: ObserveOptions, input: string | URL | Request, init: ObserveInit | undefined
): Promise<Response> {
  const [given, fetchInit] = splitInit(init)
  const call = trace === undefined ? undefined : startCall(trace, input, fetchInit, mergeOptions(defaults, given))
  if (call === undefined) return await fetch(input, fetchInit)
  let response: Response
  try {
    response = await context.with(call.fetchContext(), fetch, undefined, input, call.init)
  } catch (err) {
    call.guard(() => { call.finish(0, {}, undefined, err) })
    throw err
  }
  call.guard(() => { call.watch(response) })
  return response
}

// ---- the client ---------------------------------------------------------------------------------------

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
 * The outgoing client of one request; `trace` undefined gives a plain client (no span) for requests the
 * plugin does not trace. `defaults` apply to every call.
 */
export function createObserveClient (trace: RequestTrace | undefined, defaults: ObserveOptions = {}): ObserveClient {
  const call = (input: string | URL | Request, init?: ObserveInit): Promise<Response> => observedFetch(trace, defaults, input, init)
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
