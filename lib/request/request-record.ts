import { context, trace, type Context } from '@opentelemetry/api'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { captureBody } from '../body/capture-body'
import { OUTGOING_PARENT_KEY, type OutgoingParent } from '../outgoing/outgoing-parent'
import type { CapturePolicy, CaptureMode } from '../policy/capture-policy'
import { HeldSpans } from '../policy/held-spans'
import { sampledByTrace } from '../policy/sampling'
import { ApitoolkitSpan, type SpanSink } from '../span/apitoolkit-span'
import { nowMs } from '../span/clock'
import { ConnectionTimeoutError, RequestAbortedError } from '../span/errors'
import { redactedHeaderValues } from '../span/headers'
import { STATUS_CLIENT_CLOSED, STATUS_TIMEOUT } from '../span/names'
import { hostnameOf, pathParamsJson, queryParamsJson, redactTarget } from '../span/params'
import { toHex } from '../span/ids'
import { activeParent, parseTraceparent } from '../span/trace-context'
import { releaseConnection } from './connection-close'
import { responseHeadersOf } from './response-headers'
import { routeConfigOf } from './route-context'
import type { PluginState } from './plugin-state'

/** Whether a body is captured, knowing whether the request failed (status ≥ 400 or an error). */
function captures (mode: CaptureMode, failed: boolean): boolean {
  return mode === true || (mode === 'errors' && failed)
}

/** The state of one traced request: its span, and what the span will say once the response is sent. */
export class RequestRecord implements OutgoingParent {
  readonly span: ApitoolkitSpan
  /** The span's context, made active while the request is served, when something can read it. */
  readonly context: Context | undefined
  /** Kept whatever the outcome: sampled by its trace id. Others are kept only if they end badly or slowly. */
  readonly sampled: boolean
  /** Where the request's outgoing spans go: straight to export, or held until the request is decided. */
  readonly outgoingSink: SpanSink
  requestBody: Buffer | undefined = undefined
  /**
   * The parsed request body, by reference, while whether it is captured depends on how the request ends
   * ('errors' capture, or a request not sampled): no copy and no work until then.
   */
  private pendingRequestBody: unknown = undefined
  /** The response as sent (onSend): serialized text, bytes or a stream. */
  private responsePayload: unknown = undefined

  constructor (
    readonly plugin: PluginState,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly policy: CapturePolicy
  ) {
    const headers = request.headers
    if (plugin.activateContext) {
      const active = context.active()
      const parent = (plugin.joinActiveSpan ? activeParent(active) : undefined) ?? parseTraceparent(headers.traceparent, headers.tracestate)
      this.span = ApitoolkitSpan.incoming(parent)
      const spanContext = trace.setSpanContext(active, this.span.spanContext())
      // Only the outgoing monitor looks the request up in the context; other requests skip the extra context.
      this.context = plugin.options.monitorOutgoing ? spanContext.setValue(OUTGOING_PARENT_KEY, this) : spanContext
    } else {
      this.span = ApitoolkitSpan.incoming(parseTraceparent(headers.traceparent, headers.tracestate))
      this.context = undefined
    }
    this.sampled = sampledByTrace(this.span.traceId, policy.sampleBound)
    this.outgoingSink = this.sampled ? plugin.sink : new HeldSpans(plugin.sink)
  }

  /** `trace_id` and `span_id` for the request's log lines. */
  logBindings (): { trace_id: string, span_id: string } {
    return { trace_id: toHex(this.span.traceId), span_id: toHex(this.span.spanId) }
  }

  /** preValidation: the body as parsed, before validation or the handler can change it. */
  captureRequestBody (body: unknown): void {
    const mode = this.policy.captureRequestBody
    if (mode === false) return
    if (mode === true && this.sampled) this.requestBody = this.capturedRequestBody(body)
    else this.pendingRequestBody = body
  }

  private capturedRequestBody (body: unknown): Buffer | undefined {
    const headers = this.request.headers
    const length = headers['content-length']
    return captureBody(body, headers['content-type'], this.policy.requestPlan, this.plugin.options.maxBodyBytes, length === undefined ? undefined : Number(length))
  }

  /** onSend: keep a reference; the bytes are worked out once the response is sent. */
  keepResponsePayload (payload: unknown): void {
    this.responsePayload = payload
  }

  private pendingBody (): Buffer | undefined {
    return this.pendingRequestBody === undefined ? undefined : this.capturedRequestBody(this.pendingRequestBody)
  }

  /**
   * The response body from what was sent, its paths applied to that: whatever a hook after the plugin or
   * a response schema made of the payload, the span holds what the client got, redacted.
   */
  private responseBody (): Buffer | undefined {
    const contentType = this.reply.getHeader('content-type')
    return captureBody(this.responsePayload, typeof contentType === 'string' ? contentType : undefined, this.policy.responsePlan, this.plugin.options.maxBodyBytes)
  }

  /**
   * The connection closed under this request: an abort, unless the response was finished and its 'finish'
   * is still to come (a `Connection: close` answer).
   */
  connectionClosed (): void {
    if (this.reply.raw.writableFinished) this.finish()
    else this.abort()
  }

  /** onRequestAbort: the client left before the response was complete. */
  abort (): void {
    this.endWithoutResponse(new RequestAbortedError(), STATUS_CLIENT_CLOSED)
  }

  /** onTimeout: the server's connection timeout closed the connection. */
  timeout (): void {
    this.endWithoutResponse(new ConnectionTimeoutError(), STATUS_TIMEOUT)
  }

  private endWithoutResponse (error: Error, status: number): void {
    if (this.span.ended) return
    this.span.recordError(error)
    const raw = this.reply.raw
    this.finish(raw.headersSent ? raw.statusCode : status)
  }

  /** Whether the span is exported: sampled, or ended with a 5xx, an error (aborts and timeouts are) or slowly. */
  private isKept (status: number): boolean {
    return this.sampled || status >= 500 || this.span.errors.length > 0 || nowMs() - this.span.startMs >= this.plugin.options.slowRequestMs
  }

  /** The response is finished: gather every attribute and end the span. */
  finish (status: number = this.reply.raw.statusCode): void {
    const { span, request, reply, plugin, policy } = this
    if (span.ended) return
    // First: whatever fails below, a connection closing later must not take this request for an abort.
    releaseConnection(request.raw.socket, this)
    const kept = this.isKept(status)
    if (this.outgoingSink instanceof HeldSpans) this.outgoingSink.decide(kept)
    if (!kept) {
      span.discard()
      return
    }
    const { options } = plugin
    const { settings } = policy
    const requestHeaders = request.headers
    const failed = status >= 400 || span.errors.length > 0
    const responseHeaders = responseHeadersOf(reply)
    if (span.custom !== undefined) span.withholdValues(redactedHeaderValues(requestHeaders, responseHeaders, settings.redactHeaders))
    const route = routeConfigOf(request).url
    span.end({
      hostName: hostnameOf(request.host),
      route: route ?? '/',
      target: redactTarget(request.url, settings.redactQueryParams, settings.redactSecrets),
      method: request.method,
      status,
      queryParams: queryParamsJson(request.query, settings.redactQueryParams, settings.redactSecrets),
      // No route matched: the params are those of Fastify's own catch-all, not the app's.
      pathParams: pathParamsJson(route === undefined ? undefined : request.params),
      requestBody: captures(policy.captureRequestBody, failed) ? this.requestBody ?? this.pendingBody() : undefined,
      responseBody: captures(policy.captureResponseBody, failed) ? this.responseBody() : undefined,
      requestHeaders,
      responseHeaders
    }, settings, plugin.sink)
    if (options.debug) plugin.debug({ msgId: span.msgId, status }, 'span ended')
  }
}
