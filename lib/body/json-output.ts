// A JSON document written token by token within a byte budget. Every token is written only if the
// document can still be closed after it, so when the budget runs out the containers still open are closed
// and the result parses: a structural prefix of what was being written, at most `maxBytes` UTF-8 bytes.
import { REDACTED } from '../span/names'
import { containsSecret } from '../redaction/secrets'
import { scanString, sliceEnd, tokenEnd } from './json-string'
import { isSecretNumber } from './withhold-secrets'

/** The marker as a JSON string token. */
const WITHHELD = JSON.stringify(REDACTED)
// A string cut at the end of the output is scanned for secrets past the cut too, as far as this: a
// secret across the cut is caught from what is kept and what follows, without reading a huge string whole.
const SECRET_LOOKAHEAD = 4096

/** Thrown by a write that does not fit: the document ends before that value. */
const FULL: unique symbol = Symbol('output full')

export class JsonOutput {
  private readonly parts: string[] = []
  private bytes = 0
  /** One closing bracket per open container, innermost last; each keeps its byte reserved. */
  private readonly closers: string[] = []
  /** A value was written at this level, so the next one needs a comma. */
  private comma = false
  /** `"name":` of the member whose value comes next, written together with that value. */
  private name = ''
  private nameBytes = 0

  /** `secrets`: strings (and integers) that look like secrets are written as the marker. */
  constructor (private readonly maxBytes: number, private readonly secrets = false) {}

  /** Bytes the next value may take: its comma, its name and the brackets still to close are counted. */
  private room (): number {
    return this.maxBytes - this.bytes - this.closers.length - (this.comma ? 1 : 0) - this.nameBytes
  }

  private write (text: string, bytes: number): void {
    this.parts.push(this.comma ? ',' + this.name + text : this.name + text)
    this.bytes += (this.comma ? 1 : 0) + this.nameBytes + bytes
    this.name = ''
    this.nameBytes = 0
    this.comma = true
  }

  /** A number, `true`, `false` or `null`, as JSON text (ASCII). */
  literal (text: string): void {
    // A card number sent as a JSON number is a secret too.
    if (this.secrets && isSecretNumber(text)) return this.withheld()
    if (text.length > this.room()) throw FULL
    this.write(text, text.length)
  }

  /**
   * The JSON string token at `text[start]`, whole or cut to fit (the document then ends). Returns the
   * index past the token, or -1 when it is not a valid token.
   */
  string (text: string, start: number): number {
    if (!this.secrets) return this.token(text, start)
    const room = this.room()
    if (room < 2) throw FULL
    const extent = scanString(text, start, room)
    if (extent === null) return -1
    // Escapes never split a secret's shape (none holds a quote, a backslash or a control character): the
    // token's text is scanned as it is. A token cut here is scanned a little past the cut.
    const end = extent.whole ? extent.end : tokenEnd(text, start, extent.end + SECRET_LOOKAHEAD)
    if (!containsSecret(text.slice(start + 1, end))) return this.token(text, start)
    this.withheld()
    if (extent.whole) return extent.end
    throw FULL
  }

  /** The marker in place of a secret, whole or not at all. */
  private withheld (): void {
    if (WITHHELD.length > this.room()) throw FULL
    this.write(WITHHELD, WITHHELD.length)
  }

  private token (text: string, start: number): number {
    const room = this.room()
    if (room < 2) throw FULL
    const extent = scanString(text, start, room)
    if (extent === null) return -1
    if (extent.whole) {
      this.write(text.slice(start, extent.end), extent.bytes)
      return extent.end
    }
    this.write(text.slice(start, extent.end) + '"', extent.bytes)
    throw FULL
  }

  /** A string value, escaped as JSON.stringify does. */
  stringValue (s: string): void {
    const room = this.room()
    if (room < 2) throw FULL
    // Each UTF-16 unit takes at least one byte, so only the first `room` units can be kept: a long string
    // costs what is kept, not its length.
    const end = s.length + 2 > room ? sliceEnd(s, room) : s.length
    if (this.secrets && containsSecret(end < s.length ? s.slice(0, end + SECRET_LOOKAHEAD) : s)) return this.withheld()
    this.token(JSON.stringify(end < s.length ? s.slice(0, end) : s), 0)
  }

  /** The name (a JSON string token at `text[start]`) of the next member; names are never cut. */
  memberName (text: string, start: number): number {
    // The colon takes one byte.
    const room = this.room() - 1
    if (room < 2) throw FULL
    const extent = scanString(text, start, room)
    if (extent === null) return -1
    if (!extent.whole) throw FULL
    this.name = text.slice(start, extent.end) + ':'
    this.nameBytes = extent.bytes + 1
    return extent.end
  }

  memberNameValue (name: string): void {
    // Two quotes and a colon at least: a name longer than the room is not escaped at all.
    if (name.length + 3 > this.room()) throw FULL
    this.memberName(JSON.stringify(name), 0)
  }

  open (bracket: '{' | '['): void {
    if (this.room() < 2) throw FULL
    this.write(bracket, 1)
    this.closers.push(bracket === '{' ? '}' : ']')
    this.comma = false
  }

  close (): void {
    this.parts.push(this.closers.pop() as string)
    this.bytes++
    this.comma = true
  }

  /** The document so far, every open container closed; undefined when not even one value fitted. */
  finish (): Buffer | undefined {
    if (this.parts.length === 0) return undefined
    for (let i = this.closers.length - 1; i >= 0; i--) this.parts.push(this.closers[i])
    return Buffer.from(this.parts.join(''), 'utf8')
  }
}

/**
 * Runs `write` on an output of `maxBytes` and returns the document, cut where the budget ran out.
 * undefined when not even the first value fits; null when `write` gives up (returns false or throws):
 * then there is no document to write. `secrets`: values that look like secrets are written as the marker.
 */
export function writeBounded (maxBytes: number, write: (out: JsonOutput) => boolean, secrets = false): Buffer | undefined | null {
  const out = new JsonOutput(maxBytes, secrets)
  try {
    if (!write(out)) return null
  } catch (err) {
    if (err !== FULL) return null
  }
  return out.finish()
}
