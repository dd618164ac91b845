// Property: whatever the JSON value and however small maxBytes, a captured body is a JSON document within
// maxBytes that is a structural prefix of the redacted value, and exactly its JSON.stringify when that fits.
import { test } from 'tap'
import fc from 'fast-check'
import { captureBody } from '../../../lib/body/capture-body'
import { compileRedaction, REDACTED, redactValue, type RedactionPlan } from '../../../lib/redaction'
import { asJson, isStructuralPrefix, smallestSize } from './prefix'

// Characters that need escapes, multi-byte ones, astral ones, lone surrogates, and any code point.
const char = fc.oneof(
  { arbitrary: fc.constantFrom('"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u2028', '\u2029', '\ufeff'), weight: 2 },
  { arbitrary: fc.constantFrom('é', '€', '😀', '𝄞', '中', '\ud800', '\udfff'), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 4 }
)
const shortString = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''))
const longString = fc.tuple(fc.array(char, { minLength: 1, maxLength: 8 }), fc.integer({ min: 50, max: 3000 }))
  .map(([chars, times]) => chars.join('').repeat(times).slice(0, 3000 + times))
const text = fc.oneof({ arbitrary: shortString, weight: 8 }, { arbitrary: longString, weight: 1 })

// Keys the redaction paths below name, and any others.
const key = fc.oneof(fc.constantFrom('a', 'b', 'password', 'items'), shortString)

const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null)
)

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 6 }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 8 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 8 })
}))

/** A value wrapped in up to 300 arrays and objects, for deep nesting. */
const deep = fc.tuple(value, fc.array(fc.tuple(fc.boolean(), key), { minLength: 20, maxLength: 300 }))
  .map(([inner, wrappers]) => wrappers.reduce<unknown>((v, [inArray, k]) => (inArray ? [v] : { [k]: v }), inner))

const jsonValue = fc.oneof({ arbitrary: value, weight: 6 }, { arbitrary: deep, weight: 1 })

const maxBytes = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 8000 }))

const PLANS: RedactionPlan[] = [[], ['$.password'], ['$..a'], ['$.items[*].b', '$[0]'], ['$']].map((paths) => compileRedaction(paths))
const plan = fc.constantFrom(...PLANS)

/** The value `captureBody` must write: redacted, as JSON gives it back. */
function expected (plan: RedactionPlan, v: unknown): unknown {
  return asJson(plan.empty ? v : redactValue(plan, v))
}

/** Checks one captured body against the redacted value it must be a structural prefix of. */
function checks (out: Buffer | undefined, want: unknown, max: number): boolean {
  const full = Buffer.from(JSON.stringify(want))
  if (want === REDACTED) return max >= full.length ? out !== undefined && out.equals(full) : out === undefined
  if (full.length <= max) return out !== undefined && out.equals(full)
  if (out === undefined) return max < smallestSize(want)
  if (out.length > max) return false
  return isStructuralPrefix(JSON.parse(out.toString('utf8')), want)
}

test('a parsed value: within maxBytes, a structural prefix of the redacted value, exact when it fits', async (t) => {
  // A string body is text, whatever made it: it is the next property's.
  const parsed = jsonValue.filter((v) => typeof v !== 'string')
  fc.assert(fc.property(parsed, plan, maxBytes, fc.boolean(), (v, p, max, hinted) => {
    const hint = hinted ? Buffer.byteLength(JSON.stringify(v)) : undefined
    return checks(captureBody(v, 'application/json', p, max, hint), expected(p, v), max)
  }), { numRuns: 2000 })
  t.pass('2000 random values')
})

test('JSON text, compact or indented, as a string or bytes: the same, or its own text when it fits', async (t) => {
  fc.assert(fc.property(jsonValue, plan, maxBytes, fc.boolean(), fc.boolean(), (v, p, max, pretty, bytes) => {
    const json = JSON.stringify(v, null, pretty ? 2 : undefined)
    const body = bytes ? Buffer.from(json) : json
    const out = captureBody(body, bytes ? undefined : 'application/json', p, max)
    const want = expected(p, v)
    const untouched = JSON.stringify(want) === JSON.stringify(v)
    // Nothing redacted and it fits as it came: the text as it came, indentation included.
    if (untouched && Buffer.byteLength(json) <= max) return out !== undefined && out.equals(Buffer.from(json))
    return checks(out, want, max)
  }), { numRuns: 2000 })
  t.pass('2000 random JSON texts')
})

test('other text: a JSON string within maxBytes holding a prefix of the text, cut between characters', async (t) => {
  fc.assert(fc.property(text, maxBytes, fc.boolean(), (s, max, bytes) => {
    const out = captureBody(bytes ? Buffer.from(s) : s, 'text/plain', PLANS[0], max)
    // As bytes, lone surrogates cannot be encoded (they arrive as U+FFFD), and a leading BOM is a signature.
    const original = bytes ? new TextDecoder().decode(Buffer.from(s)) : s
    if (s === '') return out === undefined
    if (max < 2) return out === undefined
    if (out === undefined || out.length > max) return false
    const kept = JSON.parse(out.toString('utf8')) as unknown
    if (typeof kept !== 'string' || !original.startsWith(kept)) return false
    // Never between the halves of a surrogate pair.
    const last = kept.charCodeAt(kept.length - 1)
    const next = original.charCodeAt(kept.length)
    if (last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) return false
    // Cut only when the whole string does not fit.
    return kept.length === original.length || Buffer.byteLength(JSON.stringify(original)) > max
  }), { numRuns: 2000 })
  t.pass('2000 random texts')
})
