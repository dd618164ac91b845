import { context, trace, type Context } from '@opentelemetry/api'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { captureBody, captureSerializedJson, NO_REDACTION } from '../body/capture-body'
import { OUTGOING_PARENT_KEY, type OutgoingParent } from '../outgoing/outgoing-parent'
import { ApitoolkitSpan } from '../span/apitoolkit-span'
import { ConnectionTimeoutError, RequestAbortedError } from '../span/errors'
import { redactedHeaderValues } from '../span/headers'
import { STATUS_CLIENT_CLOSED, STATUS_TIMEOUT } from '../span/names'
import { hostnameOf, pathParamsJson, queryParamsJson, redactTarget } from '../span/params'
import { activeParent, parseTraceparent } from '../span/trace-context'
import { releaseConnection } from './connection-close'
import { responseHeadersOf } from './response-headers'
import type { PluginState } from './plugin-state'

/** Marks a response body that is exactly the serialized payload Fastify sent. */
const AS_SENT = Symbol('as sent')

/** The state of one traced request: its span, and what the span will say once the response is sent. */
export class RequestRecord implements OutgoingParent {
  readonly span: ApitoolkitSpan
  /** The span's context, made active while the request is served, when something can read it. */
  readonly context: Context | undefined
  requestBody: Buffer | undefined = undefined
  /** The redacted copy of a serialized payload, or AS_SENT when redaction left it unchanged. */
  private redactedPayload: unknown = undefined
  private responsePayload: unknown = undefined

  constructor (
    readonly plugin: PluginState,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply
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
  }

  /** preValidation: the body as parsed, before validation or the handler can change it. */
  captureRequestBody (body: unknown): void {
    const { requestPlan, maxBodyBytes } = this.plugin.options
    const length = this.request.headers['content-length']
    this.requestBody = captureBody(body, this.request.headers['content-type'], requestPlan, maxBodyBytes, length === undefined ? undefined : Number(length))
  }

  /** preSerialization: the payload object redacted on a copy, before Fastify serializes it. */
  redactPayload (redacted: unknown, payload: unknown): void {
    this.redactedPayload = redacted === payload ? AS_SENT : redacted
  }

  /** onSend: keep a reference; the bytes are worked out once the response is sent. */
  keepResponsePayload (payload: unknown): void {
    this.responsePayload = payload
  }

  private responseBody (): Buffer | undefined {
    const { responsePayload, redactedPayload } = this
    const { responsePlan, maxBodyBytes } = this.plugin.options
    const contentType = this.reply.getHeader('content-type')
    const type = typeof contentType === 'string' ? contentType : undefined
    if (redactedPayload === undefined) return captureBody(responsePayload, type, responsePlan, maxBodyBytes)
    if (redactedPayload === AS_SENT) {
      // Redaction left the object unchanged, but a preSerialization hook added after the plugin may have
      // reshaped it (an envelope): the paths are applied to what was sent.
      return captureBody(responsePayload, type, responsePlan, maxBodyBytes)
    }
    // With a response schema, its serializer, so fields the schema leaves out stay out of the span too;
    // one that refuses the marker where it wants a number falls back to the redacted copy as it is.
    if (this.reply.routeOptions.schema?.response !== undefined) {
      let text: string | ArrayBuffer | Buffer | undefined
      try {
        text = this.reply.serialize(redactedPayload)
      } catch {
        text = undefined
      }
      if (typeof text === 'string') return captureSerializedJson(text, maxBodyBytes)
    }
    // The payload as sent is about the size of its redacted copy: small enough, the native writer is faster.
    const sizeHint = typeof responsePayload === 'string' ? responsePayload.length : undefined
    return captureBody(redactedPayload, type, NO_REDACTION, maxBodyBytes, sizeHint)
  }

  /**
   * The connection closed under this request: an abort, unless the response was finished and only the
   * hooks before the plugin's onResponse are still running (a `Connection: close` answer).
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

  /** onResponse: gather every attribute and end the span. */
  finish (status: number = this.reply.raw.statusCode): void {
    const { span, request, reply, plugin } = this
    if (span.ended) return
    const { options, settings } = plugin
    const requestHeaders = request.headers
    // First: whatever fails below, a connection closing later must not take this request for an abort.
    releaseConnection(request.raw.socket, this)
    const responseHeaders = responseHeadersOf(reply)
    if (span.custom !== undefined) span.withholdValues(redactedHeaderValues(requestHeaders, responseHeaders, settings.redactHeaders))
    const route = request.routeOptions.url
    span.end({
      hostName: hostnameOf(request.host),
      route: route ?? '/',
      target: redactTarget(request.url, settings.redactQueryParams),
      method: request.method,
      status,
      queryParams: queryParamsJson(request.query, settings.redactQueryParams),
      // No route matched: the params are those of Fastify's own catch-all, not the app's.
      pathParams: pathParamsJson(route === undefined ? undefined : request.params),
      requestBody: options.captureRequestBody ? this.requestBody : undefined,
      responseBody: options.captureResponseBody ? this.responseBody() : undefined,
      requestHeaders,
      responseHeaders
    }, settings, plugin.sink)
    if (options.debug) plugin.debug({ msgId: span.msgId, status }, 'span ended')
  }
}
