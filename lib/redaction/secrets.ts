// Secrets by value: does a captured string contain a card number, a JWT, a Bearer credential, a private
// key, an AWS access key id or a well-known token? It runs on every captured header value, query value and
// body string, so it is one pass over the char codes in which only a few trigger characters (a digit, `J`,
// `B`, `b`, `A`, `_`, `-`) lead to a closer look: an ordinary string costs a table lookup per character and
// allocates nothing. No regular expression touches the text.
//
// Shapes, all ASCII. "At a boundary" means the character before, if any, is not an ASCII letter or digit.
// - Card: 13–19 digits passing Luhn, as a whole number: a maximal run of digits joined by single spaces or
//   dashes, or one contiguous group of such a run (so `4111111111111111 12/25` is caught). A Luhn-valid
//   window inside a longer number is not a card: order ids and two phone numbers side by side would be
//   flagged a tenth of the time. A number touching a letter or `_` (hex ids, base64) or sitting on either
//   side of a decimal point (`0.8349583745982734`) is not a card either. The issuer prefix is not checked,
//   so a Luhn-valid 13-digit millisecond timestamp is a card.
// - JWT: `eyJ` with no base64url character before it, a header of at least 10 base64url characters, `.`,
//   a payload of at least 10, `.`. The signature may be empty: an `alg: none` token still carries claims.
// - Bearer: `bearer` in any case at a boundary, one or more spaces, then a token68 word of at least 20
//   characters, or of at least 8 with a digit; "the bearer of" and "Bearer authentication" are prose.
// - Private key: `-----BEGIN ` + a label of at most 40 [A-Z0-9 ] ending in the word `PRIVATE KEY` or
//   `PRIVATE KEY BLOCK` (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP) + `-----`. The END line may be cut off.
// - AWS access key id: `AKIA`, `ASIA`, `ABIA` or `ACCA` + 16 [A-Z0-9], with no [A-Z0-9] on either side.
//   The other ids of that form (AIDA, AROA, ANPA...) name users, roles and policies; they are not secret.
// - GitHub: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 [A-Za-z0-9]; `github_pat_` + 22 [A-Za-z0-9_].
// - Stripe: `sk_live_`, `rk_live_` and the test-mode `sk_test_`, `rk_test_` + 16 [A-Za-z0-9]; test keys
//   still open an account's test data.
// - Slack: `xoxa-`, `xoxb-`, `xoxe-`, `xoxo-`, `xoxp-`, `xoxr-`, `xoxs-` + 10 [A-Za-z0-9-].
// Token prefixes must be at a boundary, so `task_live_...` or `highs_...` are not tokens. Lengths are
// minimums: a longer token is still a token.
//
// Work, in characters read (what `scanSecrets` counts): at most 46 per character of text, whatever the
// text. The main loop reads each position once, passing over digit runs as it goes, and never goes back:
// 1. The character before a trigger, already read, dismisses most triggers. Some checks scan a stretch
// that no other check of their kind scans: a run of 13 digits or more, read again by the card check, which
// keeps the Luhn sums of the run and of its current group for both parities as it goes, so no window is
// ever re-scanned: 1; a JWT header and a payload (a payload is also the header of a candidate starting
// after its dot): 2; the spaces after a `bearer`: 1; a PEM label: 1. Everything else a check reads lies in
// a fixed window next to its trigger, at most 40 characters (`ghp_` and its 36 characters):
// 1 + 1 + 2 + 1 + 1 + 40 = 46.

/** Characters read by one scan, for tests that bound the work done. */
export interface ScanMeter {
  reads: number
}

// Classes of ASCII character codes, as bits.
const DIGIT = 1
const UPPER = 2
const LOWER = 4
const BASE64URL = 8 // [A-Za-z0-9_-]
const TOKEN68 = 16 // [A-Za-z0-9._~+/=-]
const SLACK_BODY = 32 // [A-Za-z0-9-]
const PAT_BODY = 64 // [A-Za-z0-9_]
const SLACK_KIND = 128 // the letter after `xox`
const GITHUB_KIND = 256 // the letter after `gh`
const ALNUM = DIGIT | UPPER | LOWER

const CLASS = new Uint16Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  let bits = 0
  if (ch >= '0' && ch <= '9') bits |= DIGIT
  if (ch >= 'A' && ch <= 'Z') bits |= UPPER
  if (ch >= 'a' && ch <= 'z') bits |= LOWER
  if ((bits & ALNUM) !== 0) bits |= BASE64URL | TOKEN68 | SLACK_BODY | PAT_BODY
  if (ch === '-') bits |= BASE64URL | TOKEN68 | SLACK_BODY
  if (ch === '_') bits |= BASE64URL | TOKEN68 | PAT_BODY
  if ('.~+/='.includes(ch)) bits |= TOKEN68
  if ('abeoprs'.includes(ch)) bits |= SLACK_KIND
  if ('oprsu'.includes(ch)) bits |= GITHUB_KIND
  CLASS[c] = bits
}

// What the main loop does at a character.
const AT_DIGIT = 1
const AT_J = 2
const AT_UPPER_B = 3
const AT_LOWER_B = 4
const AT_A = 5
const AT_UNDERSCORE = 6
const AT_DASH = 7

const TRIGGER = new Uint8Array(128)
for (let c = 48; c <= 57; c++) TRIGGER[c] = AT_DIGIT
TRIGGER[0x4a] = AT_J
TRIGGER[0x42] = AT_UPPER_B
TRIGGER[0x62] = AT_LOWER_B
TRIGGER[0x41] = AT_A
TRIGGER[0x5f] = AT_UNDERSCORE
TRIGGER[0x2d] = AT_DASH

const SPACE = 0x20
const DASH = 0x2d
const DOT = 0x2e
const UNDERSCORE = 0x5f

const codes = (literal: string): number[] => Array.from(literal, (ch) => ch.charCodeAt(0))
const EARER = codes('earer')
const EGIN = codes('EGIN ')
const FIVE_DASHES = codes('-----')
const PRIVATE_KEY = codes('PRIVATE KEY')
const SPACE_BLOCK = codes(' BLOCK')
const LIVE = codes('live_')
const TEST = codes('test_')
const GITHU = codes('githu')
const PAT = codes('pat_')
const XOX = codes('xox')

/** Luhn's doubling of one digit, digits of the product added. */
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]

const MIN_CARD = 13
const MAX_CARD = 19
const MIN_JWT_SEGMENT = 10
const MAX_PEM_LABEL = 40

// Characters read by the checks below in the current scan; the main loop adds its own at the end.
let reads = 0

function at (text: string, i: number): number {
  reads++
  return text.charCodeAt(i)
}

function has (c: number, bits: number): boolean {
  return c < 128 && (CLASS[c] & bits) !== 0
}

function isDigit (c: number): boolean {
  return c >= 48 && c <= 57
}

function matchAt (text: string, i: number, literal: number[]): boolean {
  if (i < 0 || i + literal.length > text.length) return false
  for (let k = 0; k < literal.length; k++) if (at(text, i + k) !== literal[k]) return false
  return true
}

function atBoundary (text: string, i: number): boolean {
  return i === 0 || !has(at(text, i - 1), ALNUM)
}

/** Whether `count` characters of class `bits` start at `i`. */
function runOf (text: string, i: number, count: number, bits: number): boolean {
  if (i + count > text.length) return false
  for (let k = 0; k < count; k++) if (!has(at(text, i + k), bits)) return false
  return true
}

/**
 * Whether Luhn accepts `digits` digits whose sums are `evenDoubled` (digits at even positions from the
 * left doubled) and `oddDoubled`: the rightmost digit is not doubled, so the doubled ones share the parity
 * of the count.
 */
function luhn (digits: number, evenDoubled: number, oddDoubled: number): boolean {
  return digits >= MIN_CARD && digits <= MAX_CARD && ((digits & 1) === 0 ? evenDoubled : oddDoubled) % 10 === 0
}

/** Whether a number ending before `i` may be a card on that side: no letter or `_`, no decimal part. */
function cleanAfter (text: string, i: number): boolean {
  if (i === text.length) return true
  const c = at(text, i)
  if (has(c, UPPER | LOWER) || c === UNDERSCORE) return false
  return c !== DOT || i + 1 === text.length || !isDigit(at(text, i + 1))
}

/** Whether a number starting at `i` may be a card on that side: no letter or `_`, not a decimal part. */
function cleanBefore (text: string, i: number): boolean {
  if (i === 0) return true
  const c = at(text, i - 1)
  if (has(c, UPPER | LOWER) || c === UNDERSCORE) return false
  return c !== DOT || i === 1 || !isDigit(at(text, i - 2))
}

/**
 * Whether the run of digits from `start` to `end`, joined by single separators and holding 13 digits or
 * more, is a card or holds one as a group. One pass keeps the Luhn sums of the run and of the current group.
 */
function cardIn (text: string, start: number, end: number): boolean {
  let runDigits = 0
  let runEven = 0
  let runOdd = 0
  let groupDigits = 0
  let groupEven = 0
  let groupOdd = 0
  let firstGroupCard = false
  for (let i = start; i < end; i++) {
    const c = at(text, i)
    if (!isDigit(c)) {
      if (luhn(groupDigits, groupEven, groupOdd)) {
        // a group between two others has separators on both sides: nothing more to check
        if (groupDigits !== runDigits) return true
        firstGroupCard = true
      }
      groupDigits = groupEven = groupOdd = 0
      continue
    }
    const d = c - 48
    if ((runDigits & 1) === 0) {
      runEven += DOUBLED[d]
      runOdd += d
    } else {
      runEven += d
      runOdd += DOUBLED[d]
    }
    if ((groupDigits & 1) === 0) {
      groupEven += DOUBLED[d]
      groupOdd += d
    } else {
      groupEven += d
      groupOdd += DOUBLED[d]
    }
    runDigits++
    groupDigits++
  }
  const runCard = luhn(runDigits, runEven, runOdd)
  const lastGroupCard = groupDigits !== runDigits && luhn(groupDigits, groupEven, groupOdd)
  if (!runCard && !firstGroupCard && !lastGroupCard) return false
  const before = cleanBefore(text, start)
  const after = cleanAfter(text, end)
  return (runCard && before && after) || (firstGroupCard && before) || (lastGroupCard && after)
}

/** End of the base64url run starting at `i`. */
function segmentEnd (text: string, i: number): number {
  while (i < text.length && has(at(text, i), BASE64URL)) i++
  return i
}

/** `J` at `j`: a JWT when it ends `eyJ` at a base64url boundary and header and payload follow. */
function jwtAt (text: string, j: number): boolean {
  if (j < 2 || at(text, j - 1) !== 0x79 || at(text, j - 2) !== 0x65) return false
  if (j > 2 && has(at(text, j - 3), BASE64URL)) return false
  const header = segmentEnd(text, j + 1)
  if (header - (j - 2) < MIN_JWT_SEGMENT || header === text.length || at(text, header) !== DOT) return false
  const payload = segmentEnd(text, header + 1)
  return payload - header - 1 >= MIN_JWT_SEGMENT && payload < text.length && at(text, payload) === DOT
}

/** `B` or `b` at `b`: `bearer`, spaces and a token that does not read as a word of prose. */
function bearerAt (text: string, b: number): boolean {
  const n = text.length
  if (b + 7 >= n) return false
  for (let k = 0; k < EARER.length; k++) if ((at(text, b + 1 + k) | 0x20) !== EARER[k]) return false
  if (!atBoundary(text, b)) return false
  let i = b + 6
  if (at(text, i) !== SPACE) return false
  do {
    i++
  } while (i < n && at(text, i) === SPACE)
  let length = 0
  let digit = false
  while (i < n && length < 20) {
    const c = at(text, i)
    if (!has(c, TOKEN68)) break
    if (isDigit(c)) digit = true
    length++
    i++
  }
  return length >= 20 || (length >= 8 && digit)
}

/** Whether the PEM label from `label` to `end` ends with the word `PRIVATE KEY` or `PRIVATE KEY BLOCK`. */
function privateKeyLabel (text: string, label: number, end: number): boolean {
  // read from the end, once: ` BLOCK` ends in a K, `PRIVATE KEY` does not
  if (end > label && at(text, end - 1) === 0x4b) {
    if (!matchAt(text, end - 6, SPACE_BLOCK)) return false
    end -= 6
  }
  const start = end - PRIVATE_KEY.length
  return start >= label && matchAt(text, start, PRIVATE_KEY) && (start === label || at(text, start - 1) === SPACE)
}

/** `B` at `b`: the `BEGIN` line of a private key. */
function privateKeyAt (text: string, b: number): boolean {
  if (b < 5) return false
  for (let k = 1; k <= 5; k++) if (at(text, b - k) !== DASH) return false
  if (!matchAt(text, b + 1, EGIN)) return false
  const label = b + 6
  let i = label
  for (;;) {
    if (i === text.length || i - label > MAX_PEM_LABEL) return false
    const c = at(text, i)
    if (c === DASH) break
    if (!has(c, UPPER | DIGIT) && c !== SPACE) return false
    i++
  }
  return matchAt(text, i, FIVE_DASHES) && privateKeyLabel(text, label, i)
}

/** `A` at `a`: an access key id. */
function awsKeyAt (text: string, a: number): boolean {
  const n = text.length
  if (a + 20 > n) return false
  // AKIA, ASIA, ABIA, ACCA
  const c1 = at(text, a + 1)
  if (c1 !== 0x4b && c1 !== 0x53 && c1 !== 0x42 && c1 !== 0x43) return false
  if (at(text, a + 2) !== (c1 === 0x43 ? 0x43 : 0x49) || at(text, a + 3) !== 0x41) return false
  if (a > 0 && has(at(text, a - 1), UPPER | DIGIT)) return false
  if (!runOf(text, a + 4, 16, UPPER | DIGIT)) return false
  return a + 20 === n || !has(at(text, a + 20), UPPER | DIGIT)
}

/** `_` at `u`: the first underscore of a GitHub or Stripe token. */
function underscoreTokenAt (text: string, u: number): boolean {
  if (u < 2) return false
  const c1 = at(text, u - 1)
  if (c1 === 0x6b) { // sk_, rk_
    const c2 = at(text, u - 2)
    return (c2 === 0x73 || c2 === 0x72) && atBoundary(text, u - 2) &&
      (matchAt(text, u + 1, LIVE) || matchAt(text, u + 1, TEST)) && runOf(text, u + 6, 16, ALNUM)
  }
  if (c1 === 0x62) { // github_pat_
    return matchAt(text, u - 6, GITHU) && atBoundary(text, u - 6) && matchAt(text, u + 1, PAT) &&
      runOf(text, u + 5, 22, PAT_BODY)
  }
  return has(c1, GITHUB_KIND) && u >= 3 && at(text, u - 2) === 0x68 && at(text, u - 3) === 0x67 &&
    atBoundary(text, u - 3) && runOf(text, u + 1, 36, ALNUM)
}

/** `-` at `d`: a Slack token. */
function slackAt (text: string, d: number): boolean {
  return d >= 4 && has(at(text, d - 1), SLACK_KIND) && matchAt(text, d - 4, XOX) && atBoundary(text, d - 4) &&
    runOf(text, d + 1, 10, SLACK_BODY)
}

/**
 * Whether the trigger character at `i` starts a secret. `prev` is the character before it (0 for none):
 * each shape needs a given one there, so most triggers are dismissed without reading anything.
 */
function secretAt (text: string, i: number, trigger: number, prev: number): boolean {
  switch (trigger) {
    case AT_J:
      return prev === 0x79 && jwtAt(text, i) // y
    case AT_UPPER_B:
      return !has(prev, ALNUM) && (privateKeyAt(text, i) || bearerAt(text, i))
    case AT_LOWER_B:
      return !has(prev, ALNUM) && bearerAt(text, i)
    case AT_A:
      return !has(prev, UPPER | DIGIT) && awsKeyAt(text, i)
    case AT_UNDERSCORE:
      return (prev === 0x6b || prev === 0x62 || has(prev, GITHUB_KIND)) && underscoreTokenAt(text, i) // k, b
    case AT_DASH:
      return has(prev, SLACK_KIND) && slackAt(text, i)
    default:
      return false
  }
}

function scan (text: string): boolean {
  reads = 0
  const n = text.length
  // The main loop reads each position up to where it stops once; `extra` counts its other reads, so that
  // no counting is done per character.
  let extra = 0
  let prev = 0
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i)
    const trigger = c < 128 ? TRIGGER[c] : 0
    if (trigger === AT_DIGIT) {
      // Pass the run of digits joined by single spaces or dashes that starts here, counting its digits:
      // only a run of 13 or more may hold a card, and only such a run is read again.
      let digits = 1
      let end = i + 1
      for (; end < n; end++) {
        const d = text.charCodeAt(end)
        if (isDigit(d)) {
          c = d
          digits++
          continue
        }
        if ((d !== SPACE && d !== DASH) || end + 1 === n) break
        const next = text.charCodeAt(end + 1)
        if (!isDigit(next)) {
          extra++ // read again by the main loop
          break
        }
        c = next
        digits++
        end++
      }
      if (end < n) extra++ // the character after the run, read again by the main loop
      if (digits >= MIN_CARD && cardIn(text, i, end)) {
        reads += end + extra
        return true
      }
      i = end - 1
    } else if (trigger !== 0 && secretAt(text, i, trigger, prev)) {
      reads += i + 1 + extra
      return true
    }
    prev = c
  }
  reads += n + extra
  return false
}

/** Whether `text` contains a card number, a JWT, a Bearer credential, a private key or a known token. */
export function containsSecret (text: string): boolean {
  return scan(text)
}

/** `containsSecret`, adding the characters it read to `meter.reads`. */
export function scanSecrets (text: string, meter: ScanMeter): boolean {
  const found = scan(text)
  meter.reads += reads
  return found
}
