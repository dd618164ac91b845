// A body as the span records it: always the UTF-8 bytes of a JSON document of at most maxBytes, since
// APItoolkit parses every captured body as JSON (anything else shows as `{}`).
import { isUtf8 } from 'node:buffer'
import { compileRedaction, REDACTED, redactValue, type RedactionPlan } from '../redaction'
import { containsSecret } from '../redaction/secrets'
import { boundedStringify, stringifyWithheld } from './bounded-json'
import { bodyType, type BodyType } from './content-type'
import { formFromObject, formFromText } from './form'
import { writeBounded } from './json-output'
import { cutJsonText } from './json-text'
import { decodeText, decodeTextPrefix } from './text'
import { UNSUITABLE, withholdSecrets } from './withhold-secrets'

/** For bodies already redacted, or with nothing to redact. */
export const NO_REDACTION = compileRedaction([])

/** What the span records of a body: the UTF-8 bytes of a JSON document of at most maxBytes, or undefined for "not captured". */
export type CapturedBody = Buffer | undefined

const WITHHELD = JSON.stringify(REDACTED)

/** The marker as a JSON string, in place of a whole body; undefined when maxBytes cannot hold it. */
export function redactedBody (maxBytes: number): CapturedBody {
  return WITHHELD.length <= maxBytes ? Buffer.from(WITHHELD) : undefined
}

function isStream (value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function'
}

/** A value whose paths are already applied; `sizeHint` as for boundedStringify. */
function writeRedacted (value: unknown, maxBytes: number, secrets: boolean, sizeHint?: number): CapturedBody {
  // The whole value replaced (a `$` path): the marker, never a piece of it.
  if (value === REDACTED) return redactedBody(maxBytes)
  return boundedStringify(value, maxBytes, secrets, sizeHint)
}

function captureValue (value: unknown, plan: RedactionPlan, maxBytes: number, sizeHint?: number): CapturedBody {
  return writeRedacted(plan.empty ? value : redactValue(plan, value), maxBytes, plan.secrets, sizeHint)
}

const NOT_JSON: unique symbol = Symbol('not JSON')

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return NOT_JSON
  }
}

/** JSON text redacted and cut; NOT_JSON when it does not parse (as far as it is read, with nothing to redact). */
function captureJsonText (text: string, plan: RedactionPlan, maxBytes: number): CapturedBody | typeof NOT_JSON {
  const size = Buffer.byteLength(text, 'utf8')
  // Parsed when paths apply, or when it fits (to know it is JSON); a long text with no path is only cut.
  if (!plan.empty || size <= maxBytes) {
    const parsed = parseJson(text)
    if (parsed === NOT_JSON) return NOT_JSON
    const redacted = plan.empty ? parsed : redactValue(plan, parsed)
    if (plan.secrets && size <= maxBytes) {
      // The parsed value is at hand: its strings are scanned, once, rather than the whole text.
      const clean = withholdSecrets(redacted)
      if (clean === parsed) return Buffer.from(text, 'utf8')
      if (clean !== UNSUITABLE) return redacted === REDACTED ? redactedBody(maxBytes) : stringifyWithheld(clean, redacted, maxBytes, true)
      // Too deep for the walk: the text is scanned whole, and kept as it came when it holds no secret.
      if (redacted === parsed && !containsSecret(text)) return Buffer.from(text, 'utf8')
    }
    if (redacted !== parsed) return writeRedacted(redacted, maxBytes, plan.secrets, size)
  }
  // Nothing redacted: the text as it came when it fits (and no secret is to be looked for), else its
  // tokens, secrets withheld, without a second serialization.
  if (size <= maxBytes && !plan.secrets) return Buffer.from(text, 'utf8')
  const cut = cutJsonText(text, maxBytes, plan.secrets)
  return cut === null ? NOT_JSON : cut
}

/** Text that is not JSON: a JSON string of it while nothing is to be redacted, else the marker. */
function captureOtherText (text: string, plan: RedactionPlan, maxBytes: number): CapturedBody {
  if (!plan.empty) return redactedBody(maxBytes)
  return writeBounded(maxBytes, (out) => {
    out.stringValue(text)
    return true
  }, plan.secrets) ?? undefined
}

function captureText (text: string, type: BodyType, plan: RedactionPlan, maxBytes: number): CapturedBody {
  if (type.kind === 'form') return captureValue(formFromText(text), plan, maxBytes, text.length)
  if (type.kind !== 'text') {
    const json = captureJsonText(text, plan, maxBytes)
    if (json !== NOT_JSON) return json
  }
  return captureOtherText(text, plan, maxBytes)
}

function captureBytes (bytes: Buffer, type: BodyType, plan: RedactionPlan, maxBytes: number): CapturedBody {
  // Nothing says it is text: bytes that are not UTF-8 are binary.
  if (type.kind === 'unknown' && type.charset === undefined && !isUtf8(bytes)) return undefined
  if (type.kind === 'text') {
    // Text only ever becomes a JSON string of its start: only that part is decoded.
    return plan.empty ? captureOtherText(decodeTextPrefix(bytes, type.charset, maxBytes), plan, maxBytes) : redactedBody(maxBytes)
  }
  return captureText(decodeText(bytes, type.charset), type, plan, maxBytes)
}

/** A binary body (an ArrayBuffer or any view of one) as a Buffer over the same memory; undefined for others. */
function bytesOf (body: unknown): Buffer | undefined {
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return undefined
}

/**
 * Turns a body as the app sees it (a parsed value, a string, bytes, a stream) into what the span records:
 * redacted on a copy by `plan`, written as JSON of at most `maxBytes` bytes, cut structurally when longer.
 * undefined when it is not captured: no body or an empty one, binary, a stream (never read), a value JSON
 * cannot write, or maxBytes too small for any document. `sizeHint`: the body's size in bytes as received,
 * when known; at most maxBytes lets a parsed value be written by the faster native JSON.stringify.
 */
export function captureBody (
  body: unknown, contentType: string | undefined, plan: RedactionPlan, maxBytes: number, sizeHint?: number
): CapturedBody {
  if (body === undefined || body === '' || isStream(body)) return undefined
  const type = bodyType(contentType)
  if (type.kind === 'binary') return undefined
  if (typeof body === 'string') return captureText(body, type, plan, maxBytes)
  const bytes = bytesOf(body)
  if (bytes !== undefined) return bytes.length === 0 ? undefined : captureBytes(bytes, type, plan, maxBytes)
  if (type.kind === 'form' && typeof body === 'object' && body !== null) return captureValue(formFromObject(body), plan, maxBytes)
  return captureValue(body, plan, maxBytes, sizeHint)
}
