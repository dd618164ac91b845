// Properties of the secret detector, against the reference definition in the helpers: on strings made of
// near misses of every shape it agrees with the reference, within its bound on reads; secrets planted in
// ordinary text are always found and Luhn-invalid cards never are; and replacing every string of a random
// JSON document that holds a secret removes every planted secret and touches no other string.
import t from 'tap'
import fc from 'fast-check'
import { containsSecret, scanSecrets, type ScanMeter } from '../../../lib/redaction/secrets'
import { REDACTED } from '../../../lib/span/names'
import { grouped, jwt, luhnCheckDigit, luhnValid, READS_PER_CHAR, referenceSecret } from '../../helpers/secrets'

/** Strings over `alphabet`, of any length in the range (fast-check favours short ones by default). */
const chars = (alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength, size: 'max' })

const DIGITS = '0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const ALNUM = `${DIGITS}${UPPER}abcdefghijklmnopqrstuvwxyz`
const TOKEN68 = `${ALNUM}-._~+/`

/** Text a person or an API writes, without the characters that could start most shapes. */
const ORDINARY = `${ALNUM} .,;:!?'"()/@#%&*+=éüß€`
const ordinary = chars(ORDINARY, 0, 40)

/** Separators around a planted value that end any shape and start none. */
const separator = fc.constantFrom('"', ': ', '\n', '(', ')', ', ', '=', '\t', ' | ', "'")

function metered (text: string): boolean {
  const meter: ScanMeter = { reads: 0 }
  const found = scanSecrets(text, meter)
  if (meter.reads > READS_PER_CHAR * text.length) throw new Error(`${meter.reads} reads for ${text.length} characters`)
  return found
}

/** Digits joined by a separator drawn per gap: mostly none, sometimes a space or a dash. */
const withSeparators = (digits: string): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('', '', '', ' ', '-'), { minLength: digits.length - 1, maxLength: digits.length - 1 })
    .map((seps) => [...digits].map((d, k) => (k === 0 ? d : seps[k - 1] + d)).join(''))

/** How cards are written: plain, in fours with spaces or dashes, or with separators anywhere. */
const formatted = (digits: string, anywhere: boolean): fc.Arbitrary<string> => fc.oneof(
  fc.constant(digits),
  fc.constant(grouped(digits, ' ')),
  fc.constant(grouped(digits, '-')),
  ...(anywhere ? [withSeparators(digits)] : [])
)

const validCard = chars(DIGITS, 12, 18).chain((body) => formatted(body + luhnCheckDigit(body), true))
// in fours at most, so that no group of an invalid card is a card by itself
const invalidCard = chars(DIGITS, 13, 19).filter((d) => !luhnValid(d)).chain((d) => formatted(d, false))

const claims = fc.record({
  sub: fc.string({ maxLength: 20 }),
  extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
}).map(({ sub, extra }) => ({ ...extra, sub }))
const jwtToken = fc.tuple(claims, fc.constantFrom('HS256', 'RS256', 'ES256', 'none'), fc.constantFrom(0, 32, 64, 256))
  .map(([c, alg, bytes]) => jwt(c, alg, alg === 'none' ? 0 : bytes))

const awsKey = fc.tuple(fc.constantFrom('AKIA', 'ASIA', 'ABIA', 'ACCA'), chars(`${UPPER}234567`, 16, 16)).map(([p, b]) => p + b)
const githubToken = fc.oneof(
  fc.tuple(fc.constantFrom('ghp', 'gho', 'ghu', 'ghs', 'ghr'), chars(ALNUM, 36, 36)).map(([p, b]) => `${p}_${b}`),
  fc.tuple(chars(ALNUM, 22, 22), chars(ALNUM, 59, 59)).map(([a, b]) => `github_pat_${a}_${b}`)
)
const stripeKey = fc.tuple(fc.constantFrom('sk', 'rk'), fc.constantFrom('live', 'test'), chars(ALNUM, 16, 99))
  .map(([k, mode, b]) => `${k}_${mode}_${b}`)
const slackToken = fc.tuple(fc.constantFrom(...'abeoprs'), chars(DIGITS, 9, 13), chars(DIGITS, 9, 13), chars(ALNUM, 0, 24))
  .map(([kind, a, b, c]) => `xox${kind}-${a}-${b}${c === '' ? '' : `-${c}`}`)
const privateKey = fc.tuple(
  fc.constantFrom('RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK'),
  fc.array(chars(`${ALNUM}+/`, 1, 64), { maxLength: 4 }),
  fc.boolean()
).map(([label, lines, end]) => `-----BEGIN ${label}-----\n${lines.join('\n')}${end ? `\n-----END ${label}-----` : ''}`)
const bearer = fc.tuple(
  fc.constantFrom('Bearer', 'bearer', 'BEARER'),
  fc.constantFrom(' ', '  '),
  fc.oneof(
    chars(TOKEN68, 20, 80),
    fc.tuple(chars(TOKEN68, 7, 18), fc.constantFrom(...DIGITS), fc.nat()).map(([s, d, at]) => {
      const k = at % (s.length + 1)
      return s.slice(0, k) + d + s.slice(k)
    })
  )
).map(([word, spaces, token]) => `${word}${spaces}${token}`)

const secret = fc.oneof(validCard, jwtToken, awsKey, githubToken, stripeKey, slackToken, privateKey, bearer)

/** How each generated secret starts. */
const SHAPES: Array<[string, RegExp]> = [['card', /^\d/], ['jwt', /^eyJ/], ['aws', /^A/], ['github', /^g/],
  ['stripe', /^[rs]k_/], ['slack', /^xox/], ['private key', /^-----/], ['bearer', /^bearer/i]]

/** `value` somewhere in ordinary text, between separators. */
const planted = (value: fc.Arbitrary<string>): fc.Arbitrary<{ text: string, value: string, prefix: string, suffix: string }> =>
  fc.tuple(ordinary, separator, value, separator, ordinary).map(([before, left, v, right, after]) => ({
    text: before + left + v + right + after,
    value: v,
    prefix: before + left,
    suffix: right + after
  }))

/** Pieces of every shape, whole and broken, so that random strings are full of near misses and hits. */
const FRAGMENTS = [
  'eyJ', 'ey', 'J', '.', 'eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOjF9', 'Bearer', 'bearer', 'BEARER', ' ', '  ', 'abcdefgh',
  '-----BEGIN ', '-----', 'BEGIN', 'PRIVATE KEY', 'RSA ', ' BLOCK', 'PUBLIC KEY', 'AKIA', 'ASIA', 'ACCA', 'AIDA',
  'ABCDEFGHIJKLMNOP', 'ghp_', 'gho_', 'gh', 'github_pat_', 'github', '_', 'sk_live_', 'rk_test_', 'sk_', 'live_',
  'xoxb-', 'xoxp-', 'xox', '-', '4111', '1111', '4111 1111 1111 1111', '4111111111111111', '1', '0.', '=', '/', 'a', 'Z'
]
const nearMisses = fc.array(
  fc.oneof(
    { arbitrary: fc.constantFrom(...FRAGMENTS), weight: 4 },
    { arbitrary: chars(ALNUM, 1, 12), weight: 2 },
    { arbitrary: chars(DIGITS, 1, 19), weight: 1 },
    { arbitrary: fc.string({ maxLength: 3 }), weight: 1 }
  ),
  { maxLength: 24, size: 'max' }
).map((parts) => parts.join(''))

/** Checks detector and reference agree on `runs` texts; returns how many held a secret. */
function agreement (texts: fc.Arbitrary<string>, runs: number): number {
  let secrets = 0
  fc.assert(fc.property(texts, (text) => {
    const found = metered(text)
    if (found) secrets++
    return found === referenceSecret(text)
  }), { numRuns: runs })
  return secrets
}

t.test('on strings full of near misses and hits, the detector agrees with the reference', async (t) => {
  const secrets = agreement(nearMisses, 4000)
  t.ok(secrets > 200 && secrets < 3800, `${secrets} of 4000 held a secret: both sides are exercised`)
})

t.test('on runs of digits, separators, letters and dots, the card rules agree with the reference', async (t) => {
  // a Luhn-valid number turns up often enough that every rule about runs, groups and what touches them is
  // exercised
  const cardish = fc.array(
    fc.tuple(
      fc.oneof(chars(DIGITS, 1, 12), chars(DIGITS, 13, 19)),
      fc.constantFrom(' ', '-', '  ', '--', '.', ',', ', ', 'a', '_', '')
    ).map(([digits, after]) => digits + after),
    { maxLength: 6, size: 'max' }
  ).map((parts) => parts.join(''))
  const secrets = agreement(cardish, 4000)
  t.ok(secrets > 200 && secrets < 3800, `${secrets} of 4000 held a card`)
})

t.test('ordinary text: no false positive against the reference', async (t) => {
  t.equal(agreement(chars(ORDINARY, 0, 200), 2000), 0, 'random ordinary text holds no secret')
})

t.test('a secret planted anywhere in ordinary text is found', async (t) => {
  const shapes = new Set<string>()
  fc.assert(fc.property(planted(secret), ({ text, value }) => {
    if (!referenceSecret(value)) throw new Error(`the generator made a non-secret: ${value}`)
    shapes.add(SHAPES.find(([, start]) => start.test(value))?.[0] ?? 'unknown')
    return metered(text)
  }), { numRuns: 3000 })
  t.same([...shapes].sort(), SHAPES.map(([name]) => name).sort(), 'every shape was planted')
})

t.test('a Luhn-invalid card planted in ordinary text is not found', async (t) => {
  let checked = 0
  fc.assert(fc.property(planted(invalidCard), ({ text, prefix, suffix }) => {
    fc.pre(!referenceSecret(prefix) && !referenceSecret(suffix))
    checked++
    return !metered(text)
  }), { numRuns: 2000 })
  t.ok(checked > 1900, `${checked} checked`)
})

/** A generated string, with the secret planted in it if any. */
class Leaf {
  constructor (readonly text: string, readonly secret: string | null) {}
}

const leaf = fc.oneof(
  { arbitrary: ordinary.map((text) => new Leaf(text, null)), weight: 3 },
  { arbitrary: planted(secret).map(({ text, value }) => new Leaf(text, value)), weight: 2 },
  { arbitrary: planted(invalidCard).map(({ text }) => new Leaf(text, null)), weight: 2 },
  { arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)), weight: 1 }
)

const { document } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(chars(`${ALNUM}_`, 1, 10), tie('value'), { maxKeys: 6 }),
  document: fc.oneof(tie('object'), tie('array'))
}))

/** The document with every Leaf made a string, and the planted secrets and strings it holds. */
function materialize (value: unknown, secrets: string[], strings: string[]): unknown {
  if (value instanceof Leaf) {
    if (value.secret !== null) secrets.push(value.secret)
    strings.push(value.text)
    return value.text
  }
  if (Array.isArray(value)) return value.map((v) => materialize(v, secrets, strings))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v, secrets, strings)]))
  }
  return value
}

/** What the plugin does with the detector: every string that holds a secret becomes the marker. */
function redactStrings (value: unknown): unknown {
  if (typeof value === 'string') return containsSecret(value) ? REDACTED : value
  if (Array.isArray(value)) return value.map(redactStrings)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]))
  }
  return value
}

function stringsOf (value: unknown, out: string[]): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out)
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) stringsOf(v, out)
  return out
}

t.test('random JSON documents: every planted secret is gone, and no string without one is touched', async (t) => {
  const seen = { planted: 0, kept: 0 }
  fc.assert(fc.property(document, (generated) => {
    const secrets: string[] = []
    const before: string[] = []
    const doc = materialize(generated, secrets, before)
    const after = stringsOf(redactStrings(doc), [])
    seen.planted += secrets.length
    seen.kept += after.filter((s) => s !== REDACTED).length
    if (after.length !== before.length) return false
    for (const s of after) if (secrets.some((planted) => s.includes(planted))) return false
    return before.every((s, k) => after[k] === (referenceSecret(s) ? REDACTED : s))
  }), { numRuns: 1000 })
  t.ok(seen.planted > 1000 && seen.kept > 1000, `${seen.planted} secrets planted, ${seen.kept} strings kept`)
})
