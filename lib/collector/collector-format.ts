// Turns spans received by the local collector into something a person can read: one block per
// incoming APItoolkit request with its outgoing calls nested under it, or one JSON line per span.
import type { ReceivedSpan } from './otlp-decode'
import { REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX } from '../span/headers'
import { SDK_TYPE_OUTGOING, SPAN_NAME } from '../span/attributes'

const SPAN_KIND_SERVER = 2
const STATUS_ERROR = 2
const KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER']
/**
 * How long an outgoing span waits for its request's span. A BatchSpanProcessor may send the child
 * in one batch and the parent in the next, up to its 5 s schedule later, so wait a little longer.
 */
export const DEFAULT_ORPHAN_DELAY_MS = 10_000
const REMEMBERED_REQUESTS = 1000

// ---- attribute access ------------------------------------------------------------------------

function attr (span: ReceivedSpan, key: string): unknown {
  return span.attributes[key]
}

function str (span: ReceivedSpan, key: string): string {
  const value = attr(span, key)
  if (value === undefined || value === null) return ''
  return Array.isArray(value) ? value.map(String).join(', ') : String(value)
}

/** An incoming request's APItoolkit span: `apitoolkit-http-span`, kind SERVER. */
export function isIncomingSpan (span: ReceivedSpan): boolean {
  return span.name === SPAN_NAME && span.kind === SPAN_KIND_SERVER
}

/** An outgoing call's APItoolkit span, linked to its request by `apitoolkit.parent_id`. */
export function isOutgoingSpan (span: ReceivedSpan): boolean {
  return attr(span, 'apitoolkit.sdk_type') === SDK_TYPE_OUTGOING
}

export function durationMs (span: ReceivedSpan): number {
  return Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6
}

function formatMs (ms: number): string {
  const digits = ms >= 100 ? 0 : ms >= 10 ? 1 : 2
  return `${ms.toFixed(digits)} ms`
}

// ---- bodies and errors -----------------------------------------------------------------------

export interface DecodedBody {
  text: string
  /** true when the bytes are not UTF-8 text */
  binary: boolean
  bytes: number
}

/**
 * Decodes a base64 body attribute. A body cut at maxBodyBytes may end inside a UTF-8 sequence, so
 * an incomplete tail is dropped (stream mode) rather than making the whole body look binary.
 */
export function decodeBody (base64: unknown): DecodedBody {
  const buf = Buffer.from(typeof base64 === 'string' ? base64 : '', 'base64')
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: true })
    return { text, binary: false, bytes: buf.length }
  } catch {
    return { text: buf.toString('utf8'), binary: true, bytes: buf.length }
  }
}

/** Pretty JSON when the text is JSON; otherwise the text as is (so `[CLIENT_REDACTED]` stays visible). */
export function prettyBody (text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

export interface ApitoolkitError {
  error_type?: string
  message?: string
  root_error_type?: string
  root_error_message?: string
  stack_trace?: string
  when?: string
}

/** Parses `apitoolkit.errors`; a value that is not a JSON array is returned as its raw text. */
export function parseErrors (value: unknown): ApitoolkitError[] | string {
  if (value === undefined || value === null || value === '') return []
  try {
    const parsed: unknown = JSON.parse(String(value))
    if (Array.isArray(parsed)) return parsed.filter((e): e is ApitoolkitError => typeof e === 'object' && e !== null)
  } catch {}
  return String(value)
}

// ---- readable blocks -------------------------------------------------------------------------

function indent (text: string, prefix: string): string {
  return text.split('\n').map((line) => prefix + line).join('\n')
}

function statusSuffix (span: ReceivedSpan): string {
  if (span.status.code !== STATUS_ERROR) return ''
  return span.status.message === '' ? '  [span status ERROR]' : `  [span status ERROR: ${span.status.message}]`
}

function headerLines (span: ReceivedSpan, prefix: string, title: string): string[] {
  const lines: string[] = []
  for (const key of Object.keys(span.attributes)) {
    if (key.startsWith(prefix)) lines.push(`    ${key.slice(prefix.length)}: ${str(span, key)}`)
  }
  return lines.length === 0 ? [`  ${title}: (none)`] : [`  ${title}:`, ...lines]
}

function bodyLines (span: ReceivedSpan, key: string, title: string): string[] {
  const value = attr(span, key)
  if (value === undefined) return []
  const body = decodeBody(value)
  if (body.bytes === 0) return [`  ${title}: (empty)`]
  if (body.binary) return [`  ${title}: (${body.bytes} bytes, not text; base64 ${String(value)})`]
  return [`  ${title}:`, indent(prettyBody(body.text), '    ')]
}

function errorLines (span: ReceivedSpan, pad: string): string[] {
  const errors = parseErrors(attr(span, 'apitoolkit.errors'))
  if (typeof errors === 'string') return [`${pad}errors (not a JSON array): ${errors}`]
  if (errors.length === 0) return []
  const lines = [`${pad}errors (${errors.length}):`]
  for (const e of errors) {
    lines.push(`${pad}  ${e.error_type ?? 'Error'}: ${e.message ?? ''}`)
    const rootDiffers = e.root_error_type !== undefined &&
      (e.root_error_type !== e.error_type || e.root_error_message !== e.message)
    if (rootDiffers) lines.push(`${pad}    root cause: ${e.root_error_type ?? ''}: ${e.root_error_message ?? ''}`)
  }
  return lines
}

/** JSON-valued attributes such as `{"q":["1"]}`; shown only when not empty. */
function jsonAttrLine (span: ReceivedSpan, key: string, label: string): string[] {
  const value = str(span, key)
  return value === '' || value === '{}' ? [] : [`  ${label}${value}`]
}

function outgoingSummary (span: ReceivedSpan): string {
  const host = str(span, 'net.host.name')
  const target = str(span, 'http.target')
  const status = str(span, 'http.response.status_code')
  return `${str(span, 'http.request.method')} ${host}${target} → ${status} in ${formatMs(durationMs(span))}` +
    statusSuffix(span)
}

function outgoingLines (children: ReceivedSpan[]): string[] {
  if (children.length === 0) return []
  const lines = [`  outgoing calls (${children.length}):`]
  for (const child of children) {
    lines.push(`    ${outgoingSummary(child)}`, ...errorLines(child, '      '))
  }
  return lines
}

function requestHeadline (span: ReceivedSpan): string {
  const service = String(span.resource['service.name'] ?? '')
  return `${str(span, 'http.request.method')} ${str(span, 'http.route')} → ${str(span, 'http.response.status_code')}` +
    ` in ${formatMs(durationMs(span))}${service === '' ? '' : `  [${service}]`}${statusSuffix(span)}`
}

function serviceLine (span: ReceivedSpan): string[] {
  const parts = []
  const version = str(span, 'apitoolkit.service_version')
  const tags = str(span, 'apitoolkit.tags')
  if (version !== '') parts.push(`service version: ${version}`)
  if (tags !== '') parts.push(`tags: ${tags}`)
  return parts.length === 0 ? [] : [`  ${parts.join('  ')}`]
}

/** One readable block for an incoming request, with its outgoing calls nested at the end. */
export function formatRequestBlock (span: ReceivedSpan, outgoing: ReceivedSpan[] = []): string {
  const lines = [
    requestHeadline(span),
    `  target: ${str(span, 'http.target')}`,
    `  host: ${str(span, 'net.host.name')}`,
    ...jsonAttrLine(span, 'http.request.path_params', 'path params: '),
    ...jsonAttrLine(span, 'http.request.query_params', 'query params: '),
    `  msg_id: ${str(span, 'apitoolkit.msg_id')}  trace: ${span.traceId}`,
    ...serviceLine(span),
    ...headerLines(span, REQUEST_HEADER_PREFIX, 'request headers'),
    ...bodyLines(span, 'http.request.body', 'request body'),
    ...headerLines(span, RESPONSE_HEADER_PREFIX, 'response headers'),
    ...bodyLines(span, 'http.response.body', 'response body'),
    ...errorLines(span, '  '),
    ...outgoingLines(outgoing)
  ]
  return lines.join('\n') + '\n\n'
}

/** An outgoing call whose request span never arrived (or was printed before the call ended). */
export function formatOrphanBlock (span: ReceivedSpan, reason: string): string {
  const lines = [
    `outgoing call ${outgoingSummary(span)}  (${reason})`,
    `  parent msg_id: ${str(span, 'apitoolkit.parent_id') || '(none)'}  trace: ${span.traceId}`,
    ...errorLines(span, '  ')
  ]
  return lines.join('\n') + '\n\n'
}

/** A span that is not an APItoolkit span: one line. */
export function formatOtherSpan (span: ReceivedSpan): string {
  const kind = KIND_NAMES[span.kind] ?? String(span.kind)
  const service = String(span.resource['service.name'] ?? '')
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

/** One JSON line per span, plus `requestBody`/`responseBody` decoded from base64 when present. */
export function formatSpanJson (span: ReceivedSpan): string {
  const extra: Record<string, string> = {}
  const request = attr(span, 'http.request.body')
  const response = attr(span, 'http.response.body')
  if (typeof request === 'string') extra.requestBody = decodeBody(request).text
  if (typeof response === 'string') extra.responseBody = decodeBody(response).text
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

interface PendingGroup {
  spans: ReceivedSpan[]
  timer: NodeJS.Timeout
}

/** Readable mode: outgoing spans end (and may be exported) before their request, so they wait. */
class BlockPrinter implements SpanPrinter {
  private pending = new Map<string, PendingGroup>()
  // msg_ids of requests already printed, so a late outgoing call says where its request went.
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
    for (const parentId of [...this.pending.keys()]) this.flushGroup(parentId)
  }

  private hold (span: ReceivedSpan): void {
    const parentId = str(span, 'apitoolkit.parent_id')
    if (parentId === '') return this.write(formatOrphanBlock(span, 'no parent msg_id'))
    if (this.printed.has(parentId)) return this.write(formatOrphanBlock(span, 'ended after its request was printed'))
    const group = this.pending.get(parentId)
    if (group !== undefined) {
      group.spans.push(span)
      return
    }
    const timer = setTimeout(() => this.flushGroup(parentId), this.orphanDelayMs)
    timer.unref() // a waiting orphan must not keep a process alive
    this.pending.set(parentId, { spans: [span], timer })
  }

  private flushGroup (parentId: string): void {
    const group = this.take(parentId)
    for (const span of group) this.write(formatOrphanBlock(span, 'its request span was not received'))
  }

  private take (parentId: string): ReceivedSpan[] {
    const group = this.pending.get(parentId)
    if (group === undefined) return []
    clearTimeout(group.timer)
    this.pending.delete(parentId)
    return group.spans.sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano))
  }

  private printRequest (span: ReceivedSpan): void {
    const msgId = str(span, 'apitoolkit.msg_id')
    this.write(formatRequestBlock(span, msgId === '' ? [] : this.take(msgId)))
    if (msgId === '') return
    this.printed.add(msgId)
    // Bounded: forget the oldest (Sets iterate in insertion order).
    if (this.printed.size > REMEMBERED_REQUESTS) this.printed.delete(this.printed.values().next().value as string)
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
