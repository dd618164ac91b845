import { boundedStringify } from './bounded-json'
import { compileRedaction, REDACTED, redactJsonText, redactValue, type RedactionPlan } from '../redaction'

/** For bodies already redacted, or with nothing to redact. */
export const NO_REDACTION = compileRedaction([])

/** A body as the span records it: redacted text or bytes, or undefined for no body. */
export type CapturedBody = string | Buffer | undefined

export function isStream (value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function'
}

/** Text or bytes that may hold JSON: redacted field by field, or replaced whole when they cannot be parsed. */
function captureText (text: string, original: string | Buffer, plan: RedactionPlan): CapturedBody {
  if (plan.empty) return original
  return redactJsonText(plan, text) ?? REDACTED
}

/**
 * Turns a body as the app sees it (parsed value, string, Buffer) into what the span records, redacted on a
 * copy, written only up to `maxBytes` for values the app gave as objects. Streams are never read. A value JSON
 * cannot represent (circular, BigInt, too deep) is not captured.
 */
export function captureBody (body: unknown, plan: RedactionPlan, maxBytes = Infinity): CapturedBody {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return captureText(body, body, plan)
  if (Buffer.isBuffer(body)) return captureText(body.toString('utf8'), body, plan)
  if (body instanceof Uint8Array) return captureBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength), plan)
  if (isStream(body)) return undefined
  const value = plan.empty ? body : redactValue(plan, body)
  if (maxBytes === Infinity) {
    // Known to be small: the native writer is faster than the bounded one.
    try {
      return JSON.stringify(value)
    } catch {
      return undefined
    }
  }
  // A UTF-8 byte per character at least, so maxBytes characters always hold the bytes the span keeps.
  return boundedStringify(value, maxBytes)
}

/** Base64 of the first `maxBytes` bytes; `''` for no body. Only a bounded prefix of a long string is encoded. */
export function encodeBody (body: CapturedBody, maxBytes: number): string {
  if (body === undefined || body.length === 0) return ''
  if (typeof body === 'string') {
    // Every UTF-16 unit takes at least one UTF-8 byte, so this prefix still holds maxBytes bytes.
    const prefix = body.length > maxBytes ? body.slice(0, maxBytes) : body
    body = Buffer.from(prefix, 'utf8')
  }
  return (body.length > maxBytes ? body.subarray(0, maxBytes) : body).toString('base64')
}
