// JSON of a value, written only as far as a span keeps it: a 1 MiB request body costs its first
// maxBodyBytes to capture, not a full JSON.stringify. The walk keeps its own stack, so no nesting depth
// can overflow it.
import { writeBounded, type JsonOutput } from './json-output'
import { UNSUITABLE, withholdSecrets } from './withhold-secrets'

/** What JSON.stringify leaves out: undefined, functions, symbols. */
const OMITTED: unique symbol = Symbol('omitted')

/** The value JSON.stringify writes in place of `value`: toJSON applied, boxed primitives unwrapped. */
function jsonValue (value: unknown, key: string | number): unknown {
  if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') value = toJSON.call(value, String(key))
  }
  if (typeof value === 'object' && value !== null) {
    if (value instanceof Number) return Number(value)
    if (value instanceof String) return String(value)
    if (value instanceof Boolean) return value.valueOf()
    if (value instanceof BigInt) throw new TypeError('Do not know how to serialize a BigInt')
    return value
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return OMITTED
  return value
}

/** An object or array being written. */
interface Frame {
  readonly container: object
  /** The object's keys; null for an array. */
  readonly keys: readonly string[] | null
  index: number
}

/**
 * Writes `value` to `out` as JSON.stringify would, until the output is full. false when JSON.stringify
 * gives no text for it; throws where JSON.stringify throws (a cycle, a BigInt).
 */
function writeValue (out: JsonOutput, value: unknown): boolean {
  const frames: Frame[] = []
  // The containers being written: meeting one of them again is a cycle. A shared object is not.
  const open = new Set<object>()
  const write = (v: unknown): void => {
    if (typeof v === 'object' && v !== null) {
      if (open.has(v)) throw new TypeError('Converting circular structure to JSON')
      const isArray = Array.isArray(v)
      out.open(isArray ? '[' : '{')
      open.add(v)
      frames.push({ container: v, keys: isArray ? null : Object.keys(v), index: 0 })
    } else if (v === null) {
      out.literal('null')
    } else if (typeof v === 'string') {
      out.stringValue(v)
    } else if (typeof v === 'number') {
      out.literal(Number.isFinite(v) ? String(v) : 'null')
    } else if (typeof v === 'boolean') {
      out.literal(v ? 'true' : 'false')
    } else {
      throw new TypeError('Do not know how to serialize a BigInt')
    }
  }
  const root = jsonValue(value, '')
  if (root === OMITTED) return false
  write(root)
  while (frames.length > 0) {
    const f = frames[frames.length - 1]
    if (f.keys === null) {
      const items = f.container as unknown[]
      if (f.index < items.length) {
        const i = f.index++
        const item = jsonValue(items[i], i)
        write(item === OMITTED ? null : item)
        continue
      }
    } else if (f.index < f.keys.length) {
      const key = f.keys[f.index++]
      const item = jsonValue((f.container as Record<string, unknown>)[key], key)
      if (item !== OMITTED) {
        out.memberNameValue(key)
        write(item)
      }
      continue
    }
    out.close()
    open.delete(f.container)
    frames.pop()
  }
  return true
}

/**
 * `JSON.stringify(value)` as UTF-8, cut structurally to at most `maxBytes`: equal to it when it fits
 * (with `secrets`, strings and integers that look like secrets written as the marker).
 * undefined where JSON.stringify gives no text or throws, and when not even the first value fits.
 * `sizeHint`, the body's size as received when known: at most maxBytes lets the native JSON.stringify,
 * faster than the walk, write it first.
 */
export function boundedStringify (value: unknown, maxBytes: number, secrets = false, sizeHint?: number): Buffer | undefined {
  if (sizeHint !== undefined && sizeHint <= maxBytes) {
    // Secrets withheld on the value first: only its strings are scanned, and the native writer writes it.
    const clean = secrets ? withholdSecrets(value) : value
    if (clean !== UNSUITABLE) return stringifyWithheld(clean, value, maxBytes, secrets)
  }
  return writeBounded(maxBytes, (out) => writeValue(out, value), secrets) ?? undefined
}

/**
 * `clean` (`value` with its secrets already withheld, when `secrets`) by the native writer when it fits
 * in `maxBytes`; else `value` cut by the walk, which withholds secrets as it writes.
 */
export function stringifyWithheld (clean: unknown, value: unknown, maxBytes: number, secrets: boolean): Buffer | undefined {
  const text = nativeStringify(clean)
  // Redaction can make a value longer than it came; then the walk cuts it. Each UTF-16 unit takes at
  // least one byte, so a longer text cannot fit.
  if (text !== undefined && text.length <= maxBytes) {
    const bytes = Buffer.from(text, 'utf8')
    if (bytes.length <= maxBytes) return bytes
  }
  return writeBounded(maxBytes, (out) => writeValue(out, value), secrets) ?? undefined
}

/** undefined where JSON.stringify throws: the walk then decides (it writes nestings too deep for the native one). */
function nativeStringify (value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}
