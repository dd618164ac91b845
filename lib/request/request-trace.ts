import { randomUUID } from 'node:crypto'
import { createContextKey, SpanStatusCode, type Context, type Span } from '@opentelemetry/api'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApitoolkitRequest, ObserveClient } from '../../types/index'
import { captureBody, NO_REDACTION, type CapturedBody } from '../body/capture-body'
import { contentTypeOf } from '../body/content-type'
import { toErrorObject, type ErrorObject } from '../span/errors'
import type { Instrumentation } from './instrumentation'
import { createObserveClient } from '../outgoing/observe-client'
import { buildAttributes, pathParamsJson, queryParamsJson, SDK_TYPE_INCOMING } from '../span/attributes'

/** Lets code that only has the active context (the outgoing monitor) find the request's trace. */
export const REQUEST_TRACE_KEY = createContextKey('apitoolkit-fastify request trace')

/** `request.apitoolkit` on a request the plugin does not trace: reporting does nothing, observe still fetches. */
export const UNTRACED: ApitoolkitRequest = Object.freeze({ reportError () {}, observe: createObserveClient(undefined) })

/** The request's trace, or undefined when the plugin does not trace it. */
export function traceOf (request: FastifyRequest): RequestTrace | undefined {
  const t: unknown = request.apitoolkit
  return t instanceof RequestTrace ? t : undefined
}

const NO_ERRORS: ErrorObject[] = []

/** Marks a response body that is exactly the serialized payload Fastify sent. */
const AS_SENT = Symbol('as sent')

/** The state of one request's APItoolkit span: what `request.apitoolkit` is. */
export class RequestTrace implements ApitoolkitRequest {
  readonly msgId = randomUUID()
  /** The request's span active (and, with monitorOutgoing, this trace under REQUEST_TRACE_KEY). */
  readonly context: Context
  /** Shared and empty until the first error, so requests without errors allocate no list. */
  errors: ErrorObject[] = NO_ERRORS
  requestBody: CapturedBody = undefined
  /** The redacted copy of a serialized payload, or AS_SENT when redaction left it unchanged. */
  private redactedPayload: unknown = undefined
  private responsePayload: unknown = undefined
  private ended = false
  private client: ObserveClient | undefined = undefined

  constructor (
    readonly instrumentation: Instrumentation,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly span: Span,
    spanContext: Context
  ) {
    // Only the outgoing monitor looks the trace up in the context; other requests skip the extra context.
    this.context = instrumentation.options.monitorOutgoing ? spanContext.setValue(REQUEST_TRACE_KEY, this) : spanContext
  }

  reportError (error: unknown): void {
    const entry = toErrorObject(error)
    if (entry === undefined) {
      this.instrumentation.log.debug({ value: typeof error }, 'apitoolkit-fastify: reportError ignored a value that is not an error')
      return
    }
    if (this.errors === NO_ERRORS) this.errors = []
    this.errors.push(entry)
  }

  get observe (): ObserveClient {
    this.client ??= createObserveClient(this)
    return this.client
  }

  /** preValidation: the body as parsed, before validation or the handler can change it. */
  captureRequestBody (body: unknown, contentLength: string | undefined): void {
    const { requestPlan, maxBodyBytes } = this.instrumentation.options
    const size = contentLength === undefined ? undefined : Number(contentLength)
    this.requestBody = captureBody(body, this.request.headers['content-type'], requestPlan, maxBodyBytes, size)
  }

  /** preSerialization: redact the payload object before Fastify serializes it, on a copy. */
  redactPayload (redacted: unknown, payload: unknown): void {
    this.redactedPayload = redacted === payload ? AS_SENT : redacted
  }

  /** onSend: keep a reference; the bytes are worked out once the response is sent. */
  keepResponsePayload (payload: unknown): void {
    this.responsePayload = payload
  }

  private responseBody (): CapturedBody {
    const { responsePayload, redactedPayload } = this
    const { responsePlan, maxBodyBytes } = this.instrumentation.options
    const type = contentTypeOf(this.reply.getHeader('content-type'))
    if (redactedPayload === undefined) return captureBody(responsePayload, type, responsePlan, maxBodyBytes)
    if (redactedPayload === AS_SENT) return captureBody(responsePayload, type, NO_REDACTION, maxBodyBytes)
    // The route's own serializer, so fields its response schema leaves out stay out of the span too.
    return captureBody(this.reply.serialize(redactedPayload), type, NO_REDACTION, maxBodyBytes)
  }

  /**
   * onRequestAbort, onTimeout: the connection ended before a response finished. The span ends now, with
   * the status already sent or 0, and the reason as an error.
   */
  endWithoutResponse (reason: string): void {
    if (this.ended) return
    this.reportError(new Error(reason))
    const raw = this.reply.raw
    this.finish(raw.headersSent ? raw.statusCode : 0)
  }

  /** onResponse: build every attribute in one object, set them in one call, end the span. */
  finish (status: number = this.reply.raw.statusCode): void {
    if (this.ended) return
    this.ended = true
    const { options, settings } = this.instrumentation
    const { request, reply, span } = this
    // Ended even when building its attributes fails: a span with fewer attributes beats a lost one.
    try {
      span.setAttributes(buildAttributes({
        hostName: request.hostname,
        msgId: this.msgId,
        parentId: '',
        sdkType: SDK_TYPE_INCOMING,
        route: request.routeOptions.url ?? '/',
        target: request.url,
        method: request.method,
        status,
        queryParams: queryParamsJson(request.query),
        pathParams: pathParamsJson(request.params),
        requestBody: options.captureRequestBody ? this.requestBody?.toString('base64') ?? '' : '',
        responseBody: options.captureResponseBody ? this.responseBody()?.toString('base64') ?? '' : '',
        errors: this.errors,
        requestHeaders: request.headers,
        responseHeaders: reply.getHeaders()
      }, settings))
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    } finally {
      span.end()
    }
    this.instrumentation.trace({ msgId: this.msgId, status }, 'span ended')
  }
}
