// `request.apitoolkit.observeAxios(instance, options)`: an axios instance made from the caller's, whose calls
// become outgoing spans with both bodies. axios is not a dependency: instances are duck-typed.
//
// Each call runs in an async context of its own (see `observed`), which every step axios takes for it
// inherits through its promise chain: the interceptors and transforms below find the call there, and
// node:http sees a call already observed, so neither the monitor nor another instrumentation records it
// again. The call is kept in a store of this module's, not OpenTelemetry's context: that one propagates
// only when a context manager is registered, which the plugin leaves alone unless something needs it.
import { AsyncLocalStorage } from 'node:async_hooks'
import { context } from '@opentelemetry/api'
import type { ObserveOptions } from '../../types/index'
import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import type { HeaderBag } from '../span/headers'
import { bodyBytes, captureWith, mergeOptions, redactionCache, type BodyPlan, type CallOptions } from './call-options'
import { endOutgoingSpan, noResponseStatus } from './outgoing-call'
import { observedCallContext, type OutgoingParent } from './outgoing-parent'

type Transform = (this: AxiosConfig, data: unknown, headers: AxiosHeaders, status?: number) => unknown

/** axios's header object (AxiosHeaders), as far as it is used. */
interface AxiosHeaders {
  get?: (name: string) => unknown
  has?: (name: string) => boolean
  set?: (name: string, value: string) => unknown
  toJSON?: () => Record<string, unknown>
}

interface AxiosConfig {
  method?: string
  headers?: AxiosHeaders
  signal?: AbortSignal
  transformRequest?: Transform | Transform[]
  transformResponse?: Transform | Transform[]
}

interface AxiosResponse { status: number, headers?: AxiosHeaders }

interface InterceptorHandler { fulfilled?: unknown, rejected?: unknown, synchronous?: boolean, runWhen?: unknown }

interface InterceptorManager {
  use: (fulfilled?: unknown, rejected?: unknown, options?: object) => unknown
  forEach?: (fn: (handler: InterceptorHandler) => void) => void
}

interface AxiosInstance {
  (...args: unknown[]): Promise<unknown>
  create: (config?: object) => AxiosInstance
  getUri: (config?: object) => string
  interceptors: { request: InterceptorManager, response: InterceptorManager }
  [key: string]: unknown
}

function isAxiosInstance (value: unknown): value is AxiosInstance {
  if (typeof value !== 'function') return false
  const { create, getUri, interceptors } = value as unknown as Partial<AxiosInstance>
  return typeof create === 'function' && typeof getUri === 'function' &&
    typeof interceptors?.request?.use === 'function' && typeof interceptors?.response?.use === 'function'
}

/** What every call of one observed instance shares. */
interface ObservedInstance {
  parent: OutgoingParent
  instance: AxiosInstance
  options: CallOptions
  redactHeaders: ReadonlySet<string>
  requestPlan: BodyPlan
  responsePlan: BodyPlan
}

const calls = new AsyncLocalStorage<AxiosCall>()

/** A call in flight; its span starts when axios has the request ready to send. */
class AxiosCall {
  span: ApitoolkitSpan | undefined = undefined
  private url: URL | undefined = undefined
  private method = ''
  /** The headers axios sends: the adapter adds its own (User-Agent, Content-Length) to this same object. */
  private headers: AxiosHeaders | undefined = undefined
  private signal: AbortSignal | undefined = undefined
  private requestBody: Buffer | undefined = undefined
  private responseBody: string | Buffer | undefined = undefined
  private responseType: unknown = undefined

  constructor (readonly observed: ObservedInstance) {}

  /** The request as axios will send it: starts the span and adds the traceparent. */
  send (config: AxiosConfig, data: unknown, headers: AxiosHeaders): void {
    const { parent, instance, requestPlan } = this.observed
    const span = parent.span.outgoing()
    this.url = new URL(instance.getUri(config))
    this.method = (config.method ?? 'get').toUpperCase()
    this.headers = headers
    this.signal = config.signal
    // Exactly one traceparent: the caller's if it set one, else this call's (other instrumentations are
    // kept out of the call by its context).
    if (headers.has?.('traceparent') !== true) headers.set?.('traceparent', span.traceparent())
    this.requestBody = captureWith(bodyBytes(data), text(headers.get?.('content-type')), requestPlan, parent.plugin.options.maxBodyBytes)
    this.span = span
  }

  /** The response body as received, before axios parses it. */
  receive (data: unknown, headers: AxiosHeaders): void {
    this.responseBody = bodyBytes(data)
    this.responseType = headers.get?.('content-type')
  }

  /** Ends the span: with the response, or with the error of a call that got none. */
  finish (response: AxiosResponse | undefined, error: unknown): void {
    const { span, url } = this
    if (span === undefined || url === undefined || span.ended) return
    const { parent, options, redactHeaders, responsePlan } = this.observed
    try {
      if (response === undefined) span.recordError(error)
      endOutgoingSpan(span, parent, {
        url,
        method: this.method,
        urlWildcard: options.urlWildcard,
        requestHeaders: headerBag(this.headers),
        requestBody: this.requestBody
      }, {
        status: response?.status ?? noResponseStatus(error, this.signal),
        responseHeaders: headerBag(response?.headers),
        responseBody: response === undefined ? undefined : captureWith(this.responseBody, text(this.responseType), responsePlan, parent.plugin.options.maxBodyBytes)
      }, redactHeaders)
    } catch (err) {
      parent.plugin.fail(err, 'ending an outgoing span')
    }
  }
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function headerBag (headers: AxiosHeaders | undefined): HeaderBag {
  const bag: HeaderBag = {}
  const plain = typeof headers?.toJSON === 'function' ? headers.toJSON() : headers
  if (typeof plain !== 'object' || plain === null) return bag
  for (const [name, value] of Object.entries(plain)) {
    if (value === undefined || value === null || value === false) continue
    bag[name] = Array.isArray(value) ? value.map(String) : typeof value === 'number' ? value : String(value)
  }
  return bag
}

function currentCall (): AxiosCall | undefined {
  return calls.getStore()
}

/** Runs one step of the plugin's own; whatever it throws is logged, never thrown into the caller's call. */
function guarded (call: AxiosCall, where: string, step: () => void): void {
  try {
    step()
  } catch (err) {
    call.observed.parent.plugin.fail(err, where)
  }
}

// Last of the request transforms: the body as it will be sent, the headers as they will go out.
const sendTransform: Transform = function apitoolkitSend (data, headers) {
  const call = currentCall()
  if (call !== undefined && call.span === undefined) guarded(call, 'starting an outgoing span', () => { call.send(this, data, headers) })
  return data
}

// First of the response transforms: the body as received, before it is parsed.
const receiveTransform: Transform = function apitoolkitReceive (data, headers) {
  const call = currentCall()
  if (call !== undefined) guarded(call, 'capturing an outgoing response', () => { call.receive(data, headers) })
  return data
}

function list (transforms: Transform | Transform[] | undefined): Transform[] {
  return transforms === undefined ? [] : Array.isArray(transforms) ? transforms : [transforms]
}

/** Request interceptor: puts the plugin's transforms around the call's own (a call may give its own list). */
function prepare (config: AxiosConfig): AxiosConfig {
  if (currentCall() !== undefined) {
    config.transformRequest = [...list(config.transformRequest), sendTransform]
    config.transformResponse = [receiveTransform, ...list(config.transformResponse)]
  }
  return config
}

// Response interceptors, first in the chain: they see what axios got before the caller's own interceptors.
function onResponse (response: AxiosResponse): AxiosResponse {
  currentCall()?.finish(response, undefined)
  return response
}

function onFailure (error: unknown): never {
  // A response with a status axios refuses (validateStatus) is still a response.
  const response = (error as { response?: AxiosResponse } | null)?.response
  currentCall()?.finish(typeof response?.status === 'number' ? response : undefined, error)
  throw error
}

function copyInterceptors (from: InterceptorManager, to: InterceptorManager): void {
  from.forEach?.((h) => { to.use(h.fulfilled, h.rejected, { synchronous: h.synchronous, runWhen: h.runWhen }) })
}

/** The instance the caller gets: the copy, each of its methods run in the context of a new call. */
function observed (state: ObservedInstance, copy: AxiosInstance): AxiosInstance {
  const run = (method: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown =>
    calls.run(new AxiosCall(state), () => context.with(observedCallContext(state.parent), method, self, ...args))
  const instance = function apitoolkitAxios (this: unknown, ...args: unknown[]) { return run(copy, this, args) } as unknown as AxiosInstance
  for (const key of Object.keys(copy)) {
    const value = copy[key]
    instance[key] = typeof value === 'function'
      ? function (this: unknown, ...args: unknown[]) { return run(value as (...a: unknown[]) => unknown, this, args) }
      : value
  }
  return instance
}

/**
 * An instance made from `instance` (its defaults, and its interceptors as they are now), whose calls are
 * outgoing spans of `parent`. `instance` unchanged when there is no request to attach spans to, or it is
 * not an axios instance.
 */
export function observeAxios<T> (parent: OutgoingParent | undefined, instance: T, options: ObserveOptions = {}): T {
  if (parent === undefined) return instance
  try {
    if (!isAxiosInstance(instance)) {
      parent.plugin.fail(new TypeError('observeAxios needs an axios instance (axios itself, or one made by axios.create)'), 'request.apitoolkit.observeAxios')
      return instance
    }
    const merged = mergeOptions({}, options ?? {})
    const cache = redactionCache(parent.plugin)
    const state: ObservedInstance = {
      parent,
      instance: instance.create(),
      options: merged,
      redactHeaders: cache.headersFor(merged.redactHeaders),
      requestPlan: cache.planFor('request', merged.redactRequestBody),
      responsePlan: cache.planFor('response', merged.redactResponseBody)
    }
    const copy = state.instance
    // Registered first: request interceptors are synchronous so a chain of synchronous ones stays so, and
    // the response ones see what axios got before any of the caller's.
    copy.interceptors.request.use(prepare, undefined, { synchronous: true })
    copy.interceptors.response.use(onResponse, onFailure)
    copyInterceptors(instance.interceptors.request, copy.interceptors.request)
    copyInterceptors(instance.interceptors.response, copy.interceptors.response)
    return observed(state, copy) as T
  } catch (err) {
    // A hostile value (a getter that throws) or an axios that changed shape: the caller keeps its instance.
    parent.plugin.fail(err, 'request.apitoolkit.observeAxios')
    return instance
  }
}
