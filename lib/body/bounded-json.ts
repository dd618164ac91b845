// JSON text of a value, written only as far as a span keeps it: a 1 MiB request body costs its first
// maxBodyBytes to capture, not a full JSON.stringify.

/** Ends the walk once enough text is written. */
class Enough extends Error {}

// Past this depth the walk hands over to JSON.stringify, which says whether the value can be written.
const MAX_DEPTH = 1000

class Writer {
  private readonly parts: string[] = []
  private length = 0
  private readonly seen = new Set<object>()

  constructor (private readonly maxChars: number) {}

  text (): string { return this.parts.join('') }

  push (part: string): void {
    this.parts.push(part)
    this.length += part.length
    if (this.length >= this.maxChars) throw new Enough()
  }

  /** Writes `value` as JSON.stringify would; false for what it leaves out (undefined, functions, symbols). */
  value (value: unknown, key: string, depth: number): boolean {
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON: (key: string) => unknown }).toJSON(key)
    }
    if (value === null) { this.push('null'); return true }
    switch (typeof value) {
      case 'string': this.push(JSON.stringify(value)); return true
      case 'number': this.push(Number.isFinite(value) ? String(value) : 'null'); return true
      case 'boolean': this.push(value ? 'true' : 'false'); return true
      case 'object': break
      case 'bigint': throw new TypeError('Do not know how to serialize a BigInt')
      default: return false
    }
    const obj = value as object
    if (depth >= MAX_DEPTH || obj instanceof Number || obj instanceof String || obj instanceof Boolean) {
      const text = JSON.stringify(obj)
      if (text === undefined) return false
      this.push(text)
      return true
    }
    if (this.seen.has(obj)) throw new TypeError('Converting circular structure to JSON')
    this.seen.add(obj)
    if (Array.isArray(obj)) this.array(obj, depth)
    else this.object(obj as Record<string, unknown>, depth)
    this.seen.delete(obj)
    return true
  }

  private array (items: unknown[], depth: number): void {
    this.push('[')
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.push(',')
      if (!this.value(items[i], String(i), depth + 1)) this.push('null')
    }
    this.push(']')
  }

  private object (obj: Record<string, unknown>, depth: number): void {
    this.push('{')
    let first = true
    for (const key of Object.keys(obj)) {
      const item = obj[key]
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
      this.push(first ? JSON.stringify(key) + ':' : ',' + JSON.stringify(key) + ':')
      first = false
      this.value(item, key, depth + 1)
    }
    this.push('}')
  }
}

/**
 * The start of `JSON.stringify(value)`: the whole text, or a prefix of at least `maxChars` characters.
 * Undefined where JSON.stringify gives no text or would throw (a cycle, a BigInt, a nesting too deep).
 */
export function boundedStringify (value: unknown, maxChars: number): string | undefined {
  const writer = new Writer(maxChars)
  try {
    return writer.value(value, '', 0) ? writer.text() : undefined
  } catch (err) {
    if (err instanceof Enough) return writer.text()
    return undefined
  }
}
