// Reading a JSON string token and, when it does not fit, finding where to cut it: only between whole
// characters, never inside an escape sequence, a UTF-8 sequence or a surrogate pair (raw or escaped), so
// the part kept is a prefix of the string's characters.

/** How much of a string token goes in the output. */
export interface StringExtent {
  /** Index in the text just past the closing quote when `whole`; else where the kept part ends. */
  readonly end: number
  /** UTF-8 bytes the token takes in the output, both quotes included (a cut one gets a closing quote). */
  readonly bytes: number
  readonly whole: boolean
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const LOWER_U = 0x75
const SIMPLE_ESCAPES = '"\\/bfnrt'
const HEX4 = /[0-9a-fA-F]{4}/y

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff

/** The code unit a `\uXXXX` escape at `i` stands for, or -1 when there is none. */
function unicodeEscape (text: string, i: number): number {
  if (text.charCodeAt(i) !== BACKSLASH || text.charCodeAt(i + 1) !== LOWER_U) return -1
  HEX4.lastIndex = i + 2
  return HEX4.test(text) ? parseInt(text.slice(i + 2, i + 6), 16) : -1
}

/** Length of the escape sequence at `i` (a backslash): an escaped surrogate pair counts as one; 0 when invalid. */
function escapeLength (text: string, i: number): number {
  const code = unicodeEscape(text, i)
  if (code >= 0) return isHigh(code) && isLow(unicodeEscape(text, i + 6)) ? 12 : 6
  return i + 1 < text.length && SIMPLE_ESCAPES.includes(text.charAt(i + 1)) ? 2 : 0
}

/**
 * Reads the string token whose opening quote is at `text[start]`, keeping what fits in `room` bytes of
 * output (room ≥ 2, so `""` always fits). Past the cut nothing is read. null when the text read is not a
 * valid JSON string (a bad escape, a raw control character, no closing quote).
 */
export function scanString (text: string, start: number, room: number): StringExtent | null {
  let i = start + 1
  let bytes = 1
  for (;;) {
    if (i >= text.length) return null
    const c = text.charCodeAt(i)
    if (c === QUOTE) return { end: i + 1, bytes: bytes + 1, whole: true }
    let units = 1
    let size: number
    if (c === BACKSLASH) {
      units = escapeLength(text, i)
      if (units === 0) return null
      size = units
    } else if (c < 0x20) {
      return null
    } else if (c < 0x80) {
      size = 1
    } else if (c < 0x800) {
      size = 2
    } else if (isHigh(c) && isLow(text.charCodeAt(i + 1))) {
      units = 2
      size = 4
    } else {
      // Other BMP characters; a lone surrogate is written as U+FFFD, also 3 bytes.
      size = 3
    }
    // One byte stays free for the closing quote.
    if (bytes + size + 1 > room) return { end: i, bytes: bytes + 1, whole: false }
    bytes += size
    i += units
  }
}

/** Where a string may be sliced before escaping so a surrogate pair stays whole: `end`, or one past it. */
export function sliceEnd (s: string, end: number): number {
  return end < s.length && isHigh(s.charCodeAt(end - 1)) && isLow(s.charCodeAt(end)) ? end + 1 : end
}

/**
 * Index just past the closing quote of the string token at `text[start]`, looking no further than
 * `limit`: `limit` (or the text's end) when the quote is not found before it.
 */
export function tokenEnd (text: string, start: number, limit: number): number {
  const stop = Math.min(limit, text.length)
  for (let i = start + 1; i < stop; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) return i + 1
    if (c === BACKSLASH) i++
  }
  return stop
}
