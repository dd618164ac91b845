// Turns spans received by the local collector into something a person can read: one block per
// incoming APItoolkit request with its outgoing calls nested under it, or one JSON line per span.
import type { ReceivedSpan, SpanEvent } from './otlp-decode'
import {
  ATTR, EXCEPTION_EVENT, EXCEPTION_MESSAGE, EXCEPTION_STACKTRACE, EXCEPTION_TYPE, REQUEST_HEADER_PREFIX,
  RESOURCE, RESPONSE_HEADER_PREFIX, SDK_TYPE_INCOMING, SDK_TYPE_OUTGOING, SPAN_NAME
} from '../span/names'

const STATUS_ERROR = 2
const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']
const FLAG_SAMPLED = 0x1
const FLAG_HAS_IS_REMOTE = 0x100
const FLAG_IS_REMOTE = 0x200
/** Stack frames shown per error; the `Caused by:` lines are always shown. */
const STACK_FRAMES_SHOWN = 3
/** A shorter project key is hidden whole: its last characters would be too much of it. */
const KEY_TAIL_MIN_LENGTH = 12
/**
 * How long an outgoing span waits for its request's span. A BatchSpanProcessor may send the child
 * in one batch and the parent in the next, up to its 5 s schedule later, so wait a little longer.
 */
export const DEFAULT_ORPHAN_DELAY_MS = 10_000
/** Requests whose outgoing calls can still be recognised as late; each is known by two keys. */
const REMEMBERED_REQUESTS = 1000

// ---- attribute access ------------------------------------------------------------------------

function attr (span: ReceivedSpan, key: string): unknown {
  return span.attributes[key]
}

function str (span: ReceivedSpan, key: string): string {
  return text(attr(span, key))
}

function text (value: unknown): string {
  if (value === undefined || value === null) return ''
  return Array.isArray(value) ? value.map(String).join(', ') : String(value)
}

/** An incoming request's APItoolkit span, whatever its kind (INTERNAL under another server span). */
export function isIncomingSpan (span: ReceivedSpan): boolean {
  return span.name === SPAN_NAME && attr(span, ATTR.sdkType) === SDK_TYPE_INCOMING
}

/** An outgoing call's APItoolkit span, linked to its request by `apitoolkit.parent_id`. */
export function isOutgoingSpan (span: ReceivedSpan): boolean {
  return span.name === SPAN_NAME && attr(span, ATTR.sdkType) === SDK_TYPE_OUTGOING
}

export function durationMs (span: ReceivedSpan): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6
}

function formatMs (ms: number): string {
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : 2
  return `${ms.toFixed(digits)} ms`
}

/** The project key as output may show it: its last characters at most. */
export function maskProjectKey (value: unknown): string {
  const key = text(value)
  if (key === '') return ''
  return key.length >= KEY_TAIL_MIN_LENGTH ? `…${key.slice(-4)}` : '…'
}

// ---- bodies ----------------------------------------------------------------------------------

export interface DecodedBody {
  text: string
  /** true when the bytes are not UTF-8 text */
  binary: boolean
  bytes: number
}

/** Decodes a base64 body attribute; a non-string decodes to no bytes. */
export function decodeBody (base64: unknown): DecodedBody {
  const buf = Buffer.from(typeof base64 === 'string' ? base64 : '', 'base64')
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), binary: false, bytes: buf.length }
  } catch {
    return { text: buf.toString('utf8'), binary: true, bytes: buf.length }
  }
}

/** The JSON document pretty-printed, or undefined when the text is not one. */
export function prettyJson (bodyText: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(bodyText), null, 2)
  } catch {
    return undefined
  }
}

// The backend decodes a body as base64 then JSON and shows anything else as {}, so a body that is
// not JSON is flagged; '' is how the plugin says it captured nothing (off, binary or streamed).
function bodyLines (span: ReceivedSpan, key: string, title: string, pad: string): string[] {
  const value = attr(span, key)
  if (value === undefined || value === '') return [`${pad}${title}: (not captured)`]
  const body = decodeBody(value)
  if (body.binary) return [`${pad}${title}: (${body.bytes} bytes, not text; base64 ${String(value)})`]
  const pretty = prettyJson(body.text)
  if (pretty === undefined) return [`${pad}${title} (not JSON, the backend shows {}):`, indent(body.text, `${pad}  `)]
  // Scalars and empty containers fit on the title's line, e.g. a text body's JSON string.
  return pretty.includes('\n') ? [`${pad}${title}:`, indent(pretty, `${pad}  `)] : [`${pad}${title}: ${pretty}`]
}

// ---- errors and other events -----------------------------------------------------------------

/** What an `exception` event says, its stack cut to the first frames and its causes. */
export interface ExceptionSummary {
  type: string
  message: string
  frames: string[]
  moreFrames: number
  causes: string[]
}

export function summarizeException (event: SpanEvent): ExceptionSummary {
  const lines = text(event.attributes[EXCEPTION_STACKTRACE]).split('\n')
  // The stack's first lines repeat the type and message, so only its frames are kept.
  const frames = lines.filter((line) => /^\s+at /.test(line)).map((line) => line.trim())
  return {
    type: text(event.attributes[EXCEPTION_TYPE]),
    message: text(event.attributes[EXCEPTION_MESSAGE]),
    frames: frames.slice(0, STACK_FRAMES_SHOWN),
    moreFrames: Math.max(0, frames.length - STACK_FRAMES_SHOWN),
    causes: lines.filter((line) => line.startsWith('Caused by: '))
  }
}

function sinceStart (span: ReceivedSpan, event: SpanEvent): string {
  return `+${formatMs(Number(event.timeUnixNano - span.startTimeUnixNano) / 1e6)}`
}

function errorLines (span: ReceivedSpan, pad: string): string[] {
  const exceptions = span.events.filter((e) => e.name === EXCEPTION_EVENT)
  if (exceptions.length === 0) return []
  const lines = [`${pad}errors (${exceptions.length}):`]
  for (const event of exceptions) {
    const e = summarizeException(event)
    const headline = `${e.type === '' ? '(no exception.type)' : e.type}: ${e.message}`
    lines.push(indent(headline, `${pad}  `, `${pad}    `) + `  (at ${sinceStart(span, event)})`)
    for (const frame of e.frames) lines.push(`${pad}    ${frame}`)
    if (e.moreFrames > 0) lines.push(`${pad}    … ${e.moreFrames} more frame${e.moreFrames === 1 ? '' : 's'}`)
    for (const cause of e.causes) lines.push(`${pad}    ${cause}`)
  }
  return lines
}

function otherEventLines (span: ReceivedSpan, pad: string): string[] {
  return span.events.filter((e) => e.name !== EXCEPTION_EVENT).map((e) => {
    const attributes = Object.keys(e.attributes).length === 0 ? '' : ` ${JSON.stringify(toJsonSafe(e.attributes))}`
    return `${pad}event ${e.name} (at ${sinceStart(span, e)})${attributes}`
  })
}

// ---- readable blocks -------------------------------------------------------------------------

/** Prefixes the first line with `first` and every later line with `rest`. */
function indent (block: string, first: string, rest = first): string {
  return block.split('\n').map((line, i) => (i === 0 ? first : rest) + line).join('\n')
}

function statusSuffix (span: ReceivedSpan): string {
  if (span.status.code !== STATUS_ERROR) return ''
  return span.status.message === '' ? '  [span status ERROR]' : `  [span status ERROR: ${span.status.message}]`
}

function headerLines (span: ReceivedSpan, prefix: string, title: string, pad: string): string[] {
  const lines: string[] = []
  for (const key of Object.keys(span.attributes)) {
    if (key.startsWith(prefix)) lines.push(`${pad}  ${key.slice(prefix.length)}: ${str(span, key)}`)
  }
  return lines.length === 0 ? [`${pad}${title}: (none)`] : [`${pad}${title}:`, ...lines]
}

/** JSON-valued attributes such as `{"q":["1"]}`; shown only when not empty. */
function jsonAttrLine (span: ReceivedSpan, key: string, label: string): string[] {
  const value = str(span, key)
  return value === '' || value === '{}' ? [] : [`  ${label}${value}`]
}

/** `label: id x, email y`, from the attributes that are set; nothing when none is. */
function labelledLine (span: ReceivedSpan, label: string, fields: Array<[string, string]>): string[] {
  const parts = fields.filter(([, key]) => str(span, key) !== '').map(([name, key]) => `${name} ${str(span, key)}`)
  return parts.length === 0 ? [] : [`  ${label}: ${parts.join(', ')}`]
}

function spanLine (span: ReceivedSpan): string {
  const kind = KIND_NAMES[span.kind] ?? String(span.kind)
  const remote = (span.flags & FLAG_HAS_IS_REMOTE) !== 0 && (span.flags & FLAG_IS_REMOTE) !== 0 ? ' (remote)' : ''
  const parent = span.parentSpanId === '' ? '(root)' : span.parentSpanId + remote
  const sampled = (span.flags & FLAG_SAMPLED) !== 0 ? '  sampled' : ''
  return `  span: ${span.spanId} ${kind}  parent: ${parent}${sampled}`
}

// Without at-project-key the backend cannot tell which project a span belongs to: say so plainly.
function senderLine (span: ReceivedSpan): string {
  const sdk = [RESOURCE.sdkName, RESOURCE.sdkVersion].map((key) => text(span.resource[key])).filter((s) => s !== '').join(' ')
  const language = text(span.resource[RESOURCE.sdkLanguage])
  const key = maskProjectKey(span.resource[RESOURCE.projectKey])
  const parts = [
    ...(sdk === '' ? [] : [`sdk ${sdk}${language === '' ? '' : ` (${language})`}`]),
    ...(span.scope.name === '' ? [] : [`scope ${span.scope.name}${span.scope.version === '' ? '' : ` ${span.scope.version}`}`]),
    key === '' ? `${RESOURCE.projectKey} not set` : `${RESOURCE.projectKey} ${key}`
  ]
  return `  sent by: ${parts.join(', ')}`
}

function serviceLine (span: ReceivedSpan): string[] {
  const parts = []
  const version = str(span, ATTR.serviceVersion)
  const tags = str(span, ATTR.tags)
  if (version !== '') parts.push(`service version: ${version}`)
  if (tags !== '') parts.push(`tags: ${tags}`)
  return parts.length === 0 ? [] : [`  ${parts.join('  ')}`]
}

/** `GET host/route → status in N ms`: what an outgoing call's first line says. */
function outgoingSummary (span: ReceivedSpan): string {
  return `${str(span, ATTR.method)} ${str(span, ATTR.hostName)}${str(span, ATTR.route)} → ${str(span, ATTR.status)}` +
    ` in ${formatMs(durationMs(span))}${statusSuffix(span)}`
}

/** What follows an outgoing call's first line, indented by `pad`. */
function outgoingDetails (span: ReceivedSpan, pad: string): string[] {
  return [
    `${pad}target: ${str(span, ATTR.target)}`,
    ...headerLines(span, REQUEST_HEADER_PREFIX, 'request headers', pad),
    ...bodyLines(span, ATTR.requestBody, 'request body', pad),
    ...headerLines(span, RESPONSE_HEADER_PREFIX, 'response headers', pad),
    ...bodyLines(span, ATTR.responseBody, 'response body', pad),
    ...errorLines(span, pad),
    ...otherEventLines(span, pad)
  ]
}

function outgoingLines (children: ReceivedSpan[]): string[] {
  if (children.length === 0) return []
  const lines = [`  outgoing calls (${children.length}):`]
  for (const child of children) lines.push(`    ${outgoingSummary(child)}`, ...outgoingDetails(child, '      '))
  return lines
}

function requestHeadline (span: ReceivedSpan): string {
  const service = text(span.resource[RESOURCE.serviceName])
  return `${str(span, ATTR.method)} ${str(span, ATTR.route)} → ${str(span, ATTR.status)}` +
    ` in ${formatMs(durationMs(span))}${service === '' ? '' : `  [${service}]`}${statusSuffix(span)}`
}

/** One readable block for an incoming request, with its outgoing calls nested at the end. */
export function formatRequestBlock (span: ReceivedSpan, outgoing: ReceivedSpan[] = []): string {
  const lines = [
    requestHeadline(span),
    `  target: ${str(span, ATTR.target)}`,
    `  host: ${str(span, ATTR.hostName)}`,
    ...jsonAttrLine(span, ATTR.pathParams, 'path params: '),
    ...jsonAttrLine(span, ATTR.queryParams, 'query params: '),
    `  msg_id: ${str(span, ATTR.msgId)}  trace: ${span.traceId}`,
    spanLine(span),
    senderLine(span),
    ...serviceLine(span),
    ...labelledLine(span, 'user', [['id', ATTR.userId], ['email', ATTR.userEmail], ['name', ATTR.userName]]),
    ...labelledLine(span, 'tenant', [['id', ATTR.tenantId], ['name', ATTR.tenantName]]),
    ...headerLines(span, REQUEST_HEADER_PREFIX, 'request headers', '  '),
    ...bodyLines(span, ATTR.requestBody, 'request body', '  '),
    ...headerLines(span, RESPONSE_HEADER_PREFIX, 'response headers', '  '),
    ...bodyLines(span, ATTR.responseBody, 'response body', '  '),
    ...errorLines(span, '  '),
    ...otherEventLines(span, '  '),
    ...outgoingLines(outgoing)
  ]
  return lines.join('\n') + '\n\n'
}

/** An outgoing call whose request span never arrived (or was printed before the call ended). */
export function formatOrphanBlock (span: ReceivedSpan, reason: string): string {
  const lines = [
    `outgoing call ${outgoingSummary(span)}  (${reason})`,
    `  parent msg_id: ${str(span, ATTR.parentId) || '(none)'}  trace: ${span.traceId}`,
    ...outgoingDetails(span, '  ')
  ]
  return lines.join('\n') + '\n\n'
}

/** A span that is not an APItoolkit span: one line. */
export function formatOtherSpan (span: ReceivedSpan): string {
  const kind = KIND_NAMES[span.kind] ?? String(span.kind)
  const service = text(span.resource[RESOURCE.serviceName])
  return `span ${span.name} (${kind}) ${formatMs(durationMs(span))}` +
    `${service === '' ? '' : `  [${service}]`}  trace: ${span.traceId} span: ${span.spanId}${statusSuffix(span)}\n`
}

// ---- JSON lines ------------------------------------------------------------------------------

/** bigint → decimal string, Buffer → base64, recursively; everything else as JSON has it. */
export function toJsonSafe (value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (Buffer.isBuffer(value)) return value.toString('base64')
  if (Array.isArray(value)) return value.map(toJsonSafe)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJsonSafe(v)
    return out
  }
  return value
}

/**
 * One JSON line per span, events and status included, plus `requestBody`/`responseBody` decoded from
 * base64 when present. The project key is masked here too: output gets pasted into issues and chats.
 */
export function formatSpanJson (span: ReceivedSpan): string {
  const extra: Record<string, unknown> = {}
  const request = attr(span, ATTR.requestBody)
  const response = attr(span, ATTR.responseBody)
  if (typeof request === 'string') extra.requestBody = decodeBody(request).text
  if (typeof response === 'string') extra.responseBody = decodeBody(response).text
  if (RESOURCE.projectKey in span.resource) {
    extra.resource = { ...span.resource, [RESOURCE.projectKey]: maskProjectKey(span.resource[RESOURCE.projectKey]) }
  }
  return JSON.stringify(toJsonSafe({ ...span, ...extra })) + '\n'
}

// ---- printer: pairs outgoing spans with their request ------------------------------------------

export interface SpanPrinterOptions {
  /** where text goes, e.g. a stream's write */
  write: (text: string) => void
  /** one JSON line per span instead of readable blocks */
  json?: boolean
  /** how long an outgoing span waits for its request before it is printed alone */
  orphanDelayMs?: number
}

export interface SpanPrinter {
  /** prints (or buffers) the spans of one export request */
  push: (spans: ReceivedSpan[]) => void
  /** prints every buffered outgoing span now, as orphans; for shutdown */
  flush: () => void
}

interface HeldCall {
  span: ReceivedSpan
  /** the keys its request may be found by */
  keys: string[]
  timer: NodeJS.Timeout
}

// A call names its request by msg_id (apitoolkit.parent_id) and by span id (its parent span); either
// is enough, since another instrumentation's client span may sit between the two spans.
function parentKeys (span: ReceivedSpan): string[] {
  const keys = []
  const parentId = str(span, ATTR.parentId)
  if (parentId !== '') keys.push(`msg ${parentId}`)
  if (span.parentSpanId !== '') keys.push(`span ${span.traceId} ${span.parentSpanId}`)
  return keys
}

function requestKeys (span: ReceivedSpan): string[] {
  const msgId = str(span, ATTR.msgId)
  return [...(msgId === '' ? [] : [`msg ${msgId}`]), `span ${span.traceId} ${span.spanId}`]
}

const byStart = (a: ReceivedSpan, b: ReceivedSpan): number => Number(a.startTimeUnixNano - b.startTimeUnixNano)

/** Readable mode: outgoing spans end (and may be exported) before their request, so they wait. */
class BlockPrinter implements SpanPrinter {
  private held = new Map<string, Set<HeldCall>>()
  // keys of requests already printed, so a late outgoing call says where its request went.
  private printed = new Set<string>()

  constructor (private readonly write: (text: string) => void, private readonly orphanDelayMs: number) {}

  push (spans: ReceivedSpan[]): void {
    // Outgoing spans first: within one batch their request may come before or after them.
    for (const span of spans) if (isOutgoingSpan(span)) this.hold(span)
    for (const span of spans) {
      if (isOutgoingSpan(span)) continue
      if (isIncomingSpan(span)) this.printRequest(span)
      else this.write(formatOtherSpan(span))
    }
  }

  flush (): void {
    const calls = new Set<HeldCall>()
    for (const group of this.held.values()) for (const call of group) calls.add(call)
    for (const span of this.release(calls)) this.write(formatOrphanBlock(span, 'its request span was not received'))
  }

  private hold (span: ReceivedSpan): void {
    const keys = parentKeys(span)
    if (keys.length === 0) return this.write(formatOrphanBlock(span, 'no parent to wait for'))
    if (keys.some((key) => this.printed.has(key))) return this.write(formatOrphanBlock(span, 'ended after its request was printed'))
    const call: HeldCall = {
      span,
      keys,
      timer: setTimeout(() => {
        for (const s of this.release(new Set([call]))) this.write(formatOrphanBlock(s, 'its request span was not received'))
      }, this.orphanDelayMs)
    }
    call.timer.unref() // a waiting orphan must not keep a process alive
    for (const key of keys) {
      const group = this.held.get(key) ?? new Set()
      group.add(call)
      this.held.set(key, group)
    }
  }

  /** Stops holding these calls; their spans in start order. */
  private release (calls: Set<HeldCall>): ReceivedSpan[] {
    for (const call of calls) {
      clearTimeout(call.timer)
      for (const key of call.keys) {
        const group = this.held.get(key)
        group?.delete(call)
        if (group?.size === 0) this.held.delete(key)
      }
    }
    return [...calls].map((call) => call.span).sort(byStart)
  }

  private printRequest (span: ReceivedSpan): void {
    const keys = requestKeys(span)
    const calls = new Set<HeldCall>()
    for (const key of keys) for (const call of this.held.get(key) ?? []) calls.add(call)
    this.write(formatRequestBlock(span, this.release(calls)))
    for (const key of keys) this.printed.add(key)
    // Bounded: forget the oldest (Sets iterate in insertion order).
    while (this.printed.size > 2 * REMEMBERED_REQUESTS) this.printed.delete(this.printed.values().next().value as string)
  }
}

/** Creates the printer the collector CLI feeds with each export request's spans. */
export function createSpanPrinter (options: SpanPrinterOptions): SpanPrinter {
  if (options.json === true) {
    return {
      push: (spans) => { for (const span of spans) options.write(formatSpanJson(span)) },
      flush: () => {}
    }
  }
  return new BlockPrinter(options.write, options.orphanDelayMs ?? DEFAULT_ORPHAN_DELAY_MS)
}
