// The APItoolkit span, for every producer: an incoming request, a request Fastify's router answered
// itself, an outgoing call. It is a plain record until it ends; then its attributes are gathered in
// one list and handed to the export pipeline, which encodes them at once.
import { TraceFlags, type SpanContext } from '@opentelemetry/api'
import { attributeKey, Base64Text, encodeSpanAttribute, spanFlags, type AttributeList, type EncodedAttribute, type OtlpEvent, type OtlpSpan } from '../export/otlp-encoder'
import { nowMs, toHrTime } from './clock'
import { containsSecret } from '../redaction/secrets'
import { recordError, type RecordedError } from './errors'
import { pushRequestHeaders, pushResponseHeaders, type HeaderBag } from './headers'
import { newSpanId, newTraceId, randomUuid, toHex } from './ids'
import {
  ATTR, EXCEPTION_EVENT, REDACTED, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, SDK_TYPE_INCOMING, SDK_TYPE_OUTGOING, SPAN_NAME
} from './names'
import { RepeatingAttribute } from './repeating-attribute'
import { formatTraceparent, type ParentSpan } from './trace-context'

/** OTLP span kinds. */
export const KIND_INTERNAL = 1
export const KIND_SERVER = 2
export const KIND_CLIENT = 3
const STATUS_ERROR = 2

/** Where ended spans go: the export pipeline. */
export interface SpanSink {
  submit (span: OtlpSpan): void
}

/** What stays the same for every span of one plugin instance. */
export interface SpanSettings {
  serviceVersion: string
  tags: string[]
  redactHeaders: ReadonlySet<string>
  /** Lower-case query parameter names whose values are replaced by the marker. */
  redactQueryParams: ReadonlySet<string>
  /** Replace header values, query values and body strings that look like secrets by the marker. */
  redactSecrets: boolean
}

/** One request/response exchange, incoming or outgoing, as the span describes it. */
export interface Exchange {
  hostName: string
  route: string
  target: string
  method: string
  status: number
  queryParams: string
  pathParams: string
  /** Bytes of a JSON document, or undefined when not captured. */
  requestBody: Buffer | undefined
  responseBody: Buffer | undefined
  requestHeaders: HeaderBag
  responseHeaders: HeaderBag
}

const K = {
  hostName: attributeKey(ATTR.hostName),
  msgId: attributeKey(ATTR.msgId),
  route: attributeKey(ATTR.route),
  target: attributeKey(ATTR.target),
  method: attributeKey(ATTR.method),
  status: attributeKey(ATTR.status),
  queryParams: attributeKey(ATTR.queryParams),
  pathParams: attributeKey(ATTR.pathParams),
  sdkType: attributeKey(ATTR.sdkType),
  parentId: attributeKey(ATTR.parentId),
  requestBody: attributeKey(ATTR.requestBody),
  responseBody: attributeKey(ATTR.responseBody),
  errors: attributeKey(ATTR.errors),
  serviceVersion: attributeKey(ATTR.serviceVersion),
  tags: attributeKey(ATTR.tags)
}
export type CustomValue = string | number | boolean

// Attributes every span of a kind, or of one plugin instance, has alike: encoded once.
const INCOMING_TYPE = encodeSpanAttribute(K.sdkType, SDK_TYPE_INCOMING)
const OUTGOING_TYPE = encodeSpanAttribute(K.sdkType, SDK_TYPE_OUTGOING)
const NO_PARENT_ID = encodeSpanAttribute(K.parentId, '')
const NO_REQUEST_BODY = encodeSpanAttribute(K.requestBody, '')
const NO_RESPONSE_BODY = encodeSpanAttribute(K.responseBody, '')
const NO_ERRORS = encodeSpanAttribute(K.errors, '[]')

/** The attributes whose values repeat most, for the spans of one kind. */
function repeatingAttributes (): Record<'hostName' | 'route' | 'target' | 'method' | 'status' | 'queryParams' | 'pathParams', RepeatingAttribute> {
  return {
    hostName: new RepeatingAttribute(K.hostName),
    route: new RepeatingAttribute(K.route),
    target: new RepeatingAttribute(K.target),
    method: new RepeatingAttribute(K.method),
    status: new RepeatingAttribute(K.status),
    queryParams: new RepeatingAttribute(K.queryParams),
    pathParams: new RepeatingAttribute(K.pathParams)
  }
}
const INCOMING_REPEATS = repeatingAttributes()
const OUTGOING_REPEATS = repeatingAttributes()
const settingsAttributes = new WeakMap<SpanSettings, [EncodedAttribute, EncodedAttribute]>()

function encodedSettings (settings: SpanSettings): [EncodedAttribute, EncodedAttribute] {
  let encoded = settingsAttributes.get(settings)
  if (encoded === undefined) {
    encoded = [encodeSpanAttribute(K.serviceVersion, settings.serviceVersion), encodeSpanAttribute(K.tags, settings.tags)]
    settingsAttributes.set(settings, encoded)
  }
  return encoded
}

const NO_ERRORS_YET: RecordedError[] = []
const NO_EVENTS: OtlpEvent[] = []

function body (bytes: Buffer | undefined): string | Base64Text {
  return bytes === undefined || bytes.length === 0 ? '' : new Base64Text(bytes)
}

function exceptionEvent (error: RecordedError): OtlpEvent {
  return {
    time: toHrTime(error.timeMs),
    name: EXCEPTION_EVENT,
    attributes: [EXCEPTION_TYPE, error.type, EXCEPTION_MESSAGE, error.message, EXCEPTION_STACKTRACE, error.stacktrace]
  }
}

/**
 * A span context whose ids are written out in hex only when something reads them: made active on every
 * request, it is read only by the spans other instrumentations start under it.
 */
class HexSpanContext implements SpanContext {
  readonly isRemote = false
  private hexTraceId: string | undefined = undefined
  private hexSpanId: string | undefined = undefined

  constructor (private readonly traceIdBytes: Buffer, private readonly spanIdBytes: Buffer, readonly traceFlags: number) {}

  get traceId (): string {
    return this.hexTraceId ??= toHex(this.traceIdBytes)
  }

  get spanId (): string {
    return this.hexSpanId ??= toHex(this.spanIdBytes)
  }
}

export class ApitoolkitSpan {
  readonly spanId: Buffer = newSpanId()
  readonly msgId: string = randomUuid()
  readonly startMs: number = nowMs()
  /** Shared and empty until the first error, so requests without errors allocate no list. */
  errors: RecordedError[] = NO_ERRORS_YET
  /** Attributes set through setUser, setTenant and setAttributes, already checked. */
  custom: Map<string, CustomValue> | undefined = undefined
  ended = false

  private constructor (
    readonly traceId: Buffer,
    readonly parentSpanId: Buffer | undefined,
    readonly traceFlags: number,
    readonly traceState: string,
    private readonly flags: number,
    readonly kind: number,
    /** The request's msg_id for an outgoing call; '' for incoming. */
    readonly parentMsgId: string,
    private readonly sdkType: string
  ) {}

  /** The span of an incoming request, under `parent` when there is one, else the root of a new trace. */
  static incoming (parent: ParentSpan | undefined): ApitoolkitSpan {
    if (parent === undefined) {
      return new ApitoolkitSpan(newTraceId(), undefined, TraceFlags.SAMPLED, '', spanFlags(TraceFlags.SAMPLED, false), KIND_SERVER, '', SDK_TYPE_INCOMING)
    }
    return new ApitoolkitSpan(
      parent.traceId, parent.spanId, parent.traceFlags, parent.traceState, spanFlags(parent.traceFlags, parent.isRemote),
      parent.isServerSpan ? KIND_INTERNAL : KIND_SERVER, '', SDK_TYPE_INCOMING
    )
  }

  /** The span of an outgoing call made while serving this request. */
  outgoing (): ApitoolkitSpan {
    return new ApitoolkitSpan(
      this.traceId, this.spanId, this.traceFlags, this.traceState, spanFlags(this.traceFlags, false),
      KIND_CLIENT, this.msgId, SDK_TYPE_OUTGOING
    )
  }

  /** Records an error; false when the value is nothing error-like. */
  recordError (value: unknown): boolean {
    const error = recordError(value, nowMs())
    if (error === undefined) return false
    if (this.errors === NO_ERRORS_YET) this.errors = []
    this.errors.push(error)
    return true
  }

  setAttribute (name: string, value: CustomValue): void {
    (this.custom ??= new Map()).set(name, value)
  }

  /** Replaces custom string values that repeat a withheld value (a redacted header's) by the marker. */
  withholdValues (withheld: ReadonlySet<string>): void {
    if (this.custom === undefined || withheld.size === 0) return
    for (const [name, value] of this.custom) if (typeof value === 'string' && withheld.has(value)) this.custom.set(name, REDACTED)
  }

  /** Ends the span without exporting it: a request sampling leaves out. */
  discard (): void {
    this.ended = true
  }

  /** The span's context in the form OpenTelemetry's API makes active. */
  spanContext (): SpanContext {
    return new HexSpanContext(this.traceId, this.spanId, this.traceFlags)
  }

  traceparent (): string {
    return formatTraceparent(this.traceId, this.spanId, this.traceFlags)
  }

  /** Ends the span once, with every attribute, and hands it to `sink`. */
  end (x: Exchange, settings: SpanSettings, sink: SpanSink): void {
    if (this.ended) return
    this.ended = true
    const endMs = nowMs()
    const errors = this.errors
    const [serviceVersion, tags] = encodedSettings(settings)
    // What usually repeats from the last span comes first, then the headers, which repeat too, so that the
    // encoder copies them as one block; what is new on every span (msg_id, captured bodies, errors) follows.
    const r = this.sdkType === SDK_TYPE_INCOMING ? INCOMING_REPEATS : OUTGOING_REPEATS
    const attributes: Array<AttributeList[number]> = []
    r.hostName.push(attributes, x.hostName)
    r.route.push(attributes, x.route)
    r.target.push(attributes, x.target)
    r.method.push(attributes, x.method)
    r.status.push(attributes, x.status)
    r.queryParams.push(attributes, x.queryParams)
    r.pathParams.push(attributes, x.pathParams)
    attributes.push(
      this.sdkType === SDK_TYPE_INCOMING ? INCOMING_TYPE : OUTGOING_TYPE, null,
      this.parentMsgId === '' ? NO_PARENT_ID : K.parentId, this.parentMsgId === '' ? null : this.parentMsgId,
      serviceVersion, null,
      tags, null
    )
    const requestBody = body(x.requestBody)
    const responseBody = body(x.responseBody)
    if (requestBody === '') attributes.push(NO_REQUEST_BODY, null)
    if (responseBody === '') attributes.push(NO_RESPONSE_BODY, null)
    if (errors.length === 0) attributes.push(NO_ERRORS, null)
    pushRequestHeaders(attributes, x.requestHeaders, settings.redactHeaders, settings.redactSecrets)
    pushResponseHeaders(attributes, x.responseHeaders, settings.redactHeaders, settings.redactSecrets)
    attributes.push(K.msgId, this.msgId)
    if (requestBody !== '') attributes.push(K.requestBody, requestBody)
    if (responseBody !== '') attributes.push(K.responseBody, responseBody)
    if (errors.length > 0) attributes.push(K.errors, JSON.stringify(errors.map((e) => e.entry)))
    if (this.custom !== undefined) {
      for (const [name, value] of this.custom) {
        attributes.push(name, settings.redactSecrets && typeof value === 'string' && containsSecret(value) ? REDACTED : value)
      }
    }
    const failed = x.status >= 500
    sink.submit({
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      traceState: this.traceState,
      name: SPAN_NAME,
      kind: this.kind,
      startTime: toHrTime(this.startMs),
      endTime: toHrTime(endMs),
      attributes,
      events: errors.length === 0 ? NO_EVENTS : errors.map(exceptionEvent),
      statusCode: failed ? STATUS_ERROR : 0,
      statusMessage: failed ? (errors.length > 0 ? errors[0].message : `HTTP ${x.status}`) : '',
      flags: this.flags
    })
  }
}
