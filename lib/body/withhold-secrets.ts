// Plain JSON data with every string that looks like a secret (and every integer that is a card number)
// replaced by the marker, copied only along the way to what changed, for the native JSON writer to write:
// only string values are scanned, each once, and a body that fits is never walked by the bounded writer.
import { containsSecret } from '../redaction/secrets'
import { REDACTED } from '../span/names'

// Numbers shorter than this cannot be card numbers.
const MIN_CARD_DIGITS = 13
// Deeper values are left to the bounded writer, whose walk keeps its own stack.
const MAX_DEPTH = 256

/** Whether a JSON number, as written, is a card number: a secret even when not sent as a string. */
export function isSecretNumber (text: string): boolean {
  return text.length >= MIN_CARD_DIGITS && containsSecret(text)
}

/** What withholdSecrets gives for a value it does not take: too deep, or not plain data. */
export const UNSUITABLE: unique symbol = Symbol('unsuitable')

function isPlainObject (value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function withheld (value: unknown, depth: number): unknown {
  if (typeof value === 'string') return containsSecret(value) ? REDACTED : value
  if (typeof value === 'number') return Number.isInteger(value) && isSecretNumber(String(value)) ? REDACTED : value
  if (typeof value !== 'object' || value === null) return value
  // Dates, buffers and class instances write themselves (toJSON): the bounded writer knows how.
  if (depth >= MAX_DEPTH || !(Array.isArray(value) || isPlainObject(value))) throw UNSUITABLE
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const next = withheld(item, depth + 1)
      if (next !== item) (copy ??= value.slice())[i] = next
    }
    return copy ?? value
  }
  let copy: Record<string, unknown> | undefined
  const object = value as Record<string, unknown>
  for (const key of Object.keys(object)) {
    const item = object[key]
    const next = withheld(item, depth + 1)
    if (next !== item) (copy ??= { ...object })[key] = next
  }
  return copy ?? value
}

/** `value` with its secrets withheld (the very same value when it holds none), or UNSUITABLE. */
export function withholdSecrets (value: unknown): unknown {
  try {
    return withheld(value, 0)
  } catch (err) {
    if (err === UNSUITABLE) return UNSUITABLE
    throw err
  }
}
