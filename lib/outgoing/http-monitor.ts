// `monitorOutgoing` for node:http/https clients (axios, got, superagent, the `http` module and most SDKs):
// every request made while serving a request becomes an outgoing span, with no wrapper.
//
// Node publishes the response (`http.client.response.finish`) and the failure (`http.client.request.error`)
// of each client request on diagnostics channels: listening there changes nothing for the caller, where a
// 'response' or 'error' listener would (an unanswered response is dumped, an unhandled error thrown). But
// Node 20 publishes a request only once its head is stored (`http.client.request.start`, from end()), too
// late to add the traceparent. The one place that sees every request before then is its agent's
// addRequest, which ClientRequest's constructor calls once the caller's headers are set: while the monitor
// runs, http.Agent.prototype.addRequest (https.Agent's too) is wrapped to start the span there.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Agent, type ClientRequest, type IncomingMessage } from 'node:http'
import { context } from '@opentelemetry/api'
import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import { headerText } from '../span/headers'
import { BodyCopy } from './body-copy'
import { captureWith, READ_SLACK_BYTES } from './call-options'
import { endOutgoingSpan, monitoredStatus } from './outgoing-call'
import { recordingParent, type OutgoingParent } from './outgoing-parent'

interface MonitoredCall {
  parent: OutgoingParent
  span: ApitoolkitSpan
  url: URL
  requestBody: BodyCopy
  response: IncomingMessage | undefined
  /** undefined while there is no response, or its body cannot be read as sent (content-encoded). */
  responseBody: BodyCopy | undefined
}

// Keyed by the request: a call whose request is dropped unanswered is collected with it.
const calls = new WeakMap<ClientRequest, MonitoredCall>()

/** What addRequest gets: the request options, host and port resolved. */
interface AgentRequestOptions { port?: unknown }

type AddRequest = (this: Agent, request: ClientRequest, options: AgentRequestOptions, ...rest: unknown[]) => unknown

/** addRequest is not in Node's typings, though every agent has it. */
const agentPrototype = Agent.prototype as unknown as { addRequest: AddRequest }

function urlOf (request: ClientRequest, options: AgentRequestOptions): URL {
  const host = request.host.includes(':') ? `[${request.host}]` : request.host
  const port = typeof options.port === 'number' || typeof options.port === 'string' ? `:${options.port}` : ''
  // A path that is a whole URL (a request to a proxy) names the target itself.
  return new URL(request.path, `${request.protocol}//${host}${port}`)
}

/** Copies what the caller writes; what is sent is unchanged. */
function copyWrites (request: ClientRequest, copy: BodyCopy): void {
  const { write, end } = request
  request.write = function apitoolkitWrite (this: ClientRequest, ...args: unknown[]): boolean {
    copy.add(args[0], args[1])
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  }
  request.end = function apitoolkitEnd (this: ClientRequest, ...args: unknown[]): ClientRequest {
    // end(callback) has no body.
    if (typeof args[0] !== 'function' && args[0] !== undefined && args[0] !== null) copy.add(args[0], args[1])
    return (end as (...a: unknown[]) => ClientRequest).apply(this, args)
  } as ClientRequest['end']
}

/** Starts the span of a request made while serving a monitored request, and adds its traceparent. */
function watchRequest (request: ClientRequest, options: AgentRequestOptions): void {
  const parent = recordingParent(context.active())
  // An agent that calls addRequest again for the same request (a subclass calling its parent) records it once.
  if (parent === undefined || calls.has(request)) return
  try {
    const span = parent.span.outgoing()
    // A traceparent already there (the caller's, or another instrumentation's) wins: a second one would
    // make the upstream reject both. Headers given as an array are stored already and cannot take one.
    if (!request.headersSent && request.getHeader('traceparent') === undefined) request.setHeader('traceparent', span.traceparent())
    const requestBody = new BodyCopy(parent.plugin.options.maxBodyBytes + READ_SLACK_BYTES)
    calls.set(request, { parent, span, url: urlOf(request, options), requestBody, response: undefined, responseBody: undefined })
    copyWrites(request, requestBody)
  } catch (err) {
    parent.plugin.fail(err, 'monitoring an outgoing request')
  }
}

/** Ends the span once, with what is known of the call; `error` when it failed. */
function finish (request: ClientRequest, error: unknown): void {
  const call = calls.get(request)
  if (call === undefined) return
  calls.delete(request)
  const { parent, span, response } = call
  const { options, settings } = parent.plugin
  try {
    if (error !== undefined && error !== null) span.recordError(error)
    endOutgoingSpan(span, parent, {
      url: call.url,
      method: request.method,
      urlWildcard: undefined,
      requestHeaders: request.getHeaders(),
      requestBody: captureWith(call.requestBody.bytes(), contentType(request.getHeader('content-type')), options.requestPlan, options.maxBodyBytes)
    }, {
      status: response?.statusCode ?? monitoredStatus(error),
      responseHeaders: response?.headers ?? {},
      responseBody: captureWith(call.responseBody?.bytes(), contentType(response?.headers['content-type']), options.responsePlan, options.maxBodyBytes)
    }, settings.redactHeaders)
  } catch (err) {
    parent.plugin.fail(err, 'ending an outgoing span')
  }
}

function contentType (value: string | number | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : headerText(value)
}

/** A body sent as it is: the copy is then the body itself, not a compressed form of it. */
function isIdentity (encoding: string | undefined): boolean {
  return encoding === undefined || encoding.trim().toLowerCase() === 'identity'
}

/**
 * Sees the response body as the HTTP parser hands it over, through the response's own `push`: no
 * listener, no read, no resume, so the caller reads it as it would without the monitor, and a body the
 * caller never reads is not consumed. The span ends when the parser has the whole body (the body need
 * not have been read), or when the response closes before that.
 */
function watchResponse (request: ClientRequest, response: IncomingMessage, copy: BodyCopy | undefined): void {
  const push = response.push
  response.push = function apitoolkitPush (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) finish(request, undefined)
    else copy?.add(chunk, encoding)
    return push.call(this, chunk, encoding)
  }
  response.once('close', () => { finish(request, response.errored) })
}

function onResponse (message: unknown): void {
  const { request, response } = message as { request: ClientRequest, response: IncomingMessage }
  const call = calls.get(request)
  if (call === undefined) return
  try {
    call.response = response
    if (isIdentity(response.headers['content-encoding'])) call.responseBody = new BodyCopy(call.parent.plugin.options.maxBodyBytes + READ_SLACK_BYTES)
    watchResponse(request, response, call.responseBody)
  } catch (err) {
    call.parent.plugin.fail(err, 'monitoring an outgoing response')
  }
}

function onError (message: unknown): void {
  const { request, error } = message as { request: ClientRequest, error: unknown }
  finish(request, error)
}

// A subscriber that throws would surface as an uncaught exception: every handler above catches its own.
const CHANNELS: ReadonlyArray<[string, (message: unknown) => void]> = [
  ['http.client.response.finish', onResponse],
  ['http.client.request.error', onError]
]

let originalAddRequest: AddRequest | undefined
let installed: AddRequest | undefined
let active = false

function installAgentHook (): void {
  active = true
  if (installed !== undefined) return
  const original = agentPrototype.addRequest
  installed = function apitoolkitAddRequest (this: Agent, request: ClientRequest, options: AgentRequestOptions, ...rest: unknown[]): unknown {
    if (active) watchRequest(request, options)
    return original.call(this, request, options, ...rest)
  }
  originalAddRequest = original
  agentPrototype.addRequest = installed
}

function removeAgentHook (): void {
  active = false
  // Another library may have wrapped addRequest since: then ours stays in its chain, doing nothing.
  if (agentPrototype.addRequest === installed && originalAddRequest !== undefined) {
    agentPrototype.addRequest = originalAddRequest
    installed = undefined
  }
}

/** Starts recording node:http/https client requests. */
export function watchHttpClients (): void {
  installAgentHook()
  for (const [name, handler] of CHANNELS) subscribe(name, handler)
}

/** Stops recording them; the agents are as they were, unless another library wrapped them meanwhile. */
export function unwatchHttpClients (): void {
  for (const [name, handler] of CHANNELS) unsubscribe(name, handler)
  removeAgentHook()
}
