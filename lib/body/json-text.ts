// JSON text cut structurally without parsing it whole: a 1 MiB JSON body with nothing to redact costs the
// part the span keeps. Tokens are copied as they are written (numbers keep their digits), whitespace is
// dropped, and the grammar is checked only as far as the text is read.
import { writeBounded, type JsonOutput } from './json-output'

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

// What the next token may be.
const VALUE = 0
/** Just after `[`: a value or `]`. */
const FIRST_VALUE = 1
const NAME = 2
/** Just after `{`: a name or `}`. */
const FIRST_NAME = 3
/** After a value: `,`, the closing bracket, or the end of the text at the top level. */
const AFTER = 4

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const KEYWORD = /true|false|null/y

function skipSpace (text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

/** Writes the number or keyword at `i`; returns the index past it, -1 when there is none. */
function literal (out: JsonOutput, text: string, i: number): number {
  const pattern = text.charCodeAt(i) === 0x2d || (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) ? NUMBER : KEYWORD
  pattern.lastIndex = i
  if (!pattern.test(text)) return -1
  out.literal(text.slice(i, pattern.lastIndex))
  return pattern.lastIndex
}

/**
 * Writes the JSON text to `out` token by token until the output is full. false when the text read is not
 * JSON; what lies past the cut is not read.
 */
function writeJsonText (out: JsonOutput, text: string): boolean {
  // One entry per open container: true for an object.
  const objects: boolean[] = []
  let expect = VALUE
  let i = 0
  for (;;) {
    i = skipSpace(text, i)
    if (i >= text.length) return expect === AFTER && objects.length === 0
    const c = text.charCodeAt(i)
    if (expect === AFTER) {
      if (objects.length === 0) return false
      const inObject = objects[objects.length - 1]
      if (c === COMMA) {
        expect = inObject ? NAME : VALUE
      } else if (c === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        out.close()
        objects.pop()
      } else {
        return false
      }
      i++
    } else if ((expect === FIRST_NAME && c === CLOSE_BRACE) || (expect === FIRST_VALUE && c === CLOSE_BRACKET)) {
      out.close()
      objects.pop()
      expect = AFTER
      i++
    } else if (expect === NAME || expect === FIRST_NAME) {
      if (c !== QUOTE) return false
      i = out.memberName(text, i)
      if (i < 0) return false
      i = skipSpace(text, i)
      if (text.charCodeAt(i) !== COLON) return false
      expect = VALUE
      i++
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      out.open(c === OPEN_BRACE ? '{' : '[')
      objects.push(c === OPEN_BRACE)
      expect = c === OPEN_BRACE ? FIRST_NAME : FIRST_VALUE
      i++
    } else {
      i = c === QUOTE ? out.string(text, i) : literal(out, text, i)
      if (i < 0) return false
      expect = AFTER
    }
  }
}

/**
 * The JSON text minified and cut structurally to at most `maxBytes`, with `secrets` withheld. null when
 * the part read is not JSON; undefined when not even the first value fits.
 */
export function cutJsonText (text: string, maxBytes: number, secrets = false): Buffer | undefined | null {
  return writeBounded(maxBytes, (out) => writeJsonText(out, text), secrets)
}
