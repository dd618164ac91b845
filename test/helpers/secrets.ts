// Shared by the secret detector's tests: a reference definition of the shapes, written the plain way
// (regular expressions and string slicing over small test strings, never over request data), and builders
// of realistic secrets.
import { createHash } from 'node:crypto'

/** Reads per character that the detector guarantees on any text; its top comment derives the figure. */
export const READS_PER_CHAR = 46

/** Luhn over a string of digits, from the right, without the detector's running sums. */
export function luhnValid (digits: string): boolean {
  let sum = 0
  for (let k = 0; k < digits.length; k++) {
    let d = Number(digits[digits.length - 1 - k])
    if (k % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

/** The digits that make `body` Luhn-valid when appended. */
export function luhnCheckDigit (body: string): string {
  for (let d = 0; d < 10; d++) if (luhnValid(body + String(d))) return String(d)
  throw new Error('no check digit')
}

const isWordish = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z_]/.test(ch)
const isDigit = (ch: string | undefined): boolean => ch !== undefined && /[0-9]/.test(ch)

/** A number from `start` to `end` may be a card: no letter or `_` against it, not part of a decimal. */
function standsAlone (text: string, start: number, end: number): boolean {
  const before = text[start - 1]
  const after = text[end]
  if (isWordish(before) || isWordish(after)) return false
  if (before === '.' && isDigit(text[start - 2])) return false
  if (after === '.' && isDigit(text[end + 1])) return false
  return true
}

function hasCard (text: string): boolean {
  // maximal runs of digits joined by single spaces or dashes; the whole run and, when there are several,
  // each group of digits are the numbers that may be cards
  for (const run of text.matchAll(/\d(?:[ -]?\d)*/g)) {
    const start = run.index
    const numbers: Array<[number, number]> = [[start, start + run[0].length]]
    const groups = [...run[0].matchAll(/\d+/g)]
    if (groups.length > 1) for (const g of groups) numbers.push([start + g.index, start + g.index + g[0].length])
    for (const [s, e] of numbers) {
      const digits = text.slice(s, e).replace(/[ -]/g, '')
      if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && standsAlone(text, s, e)) return true
    }
  }
  return false
}

function hasBearer (text: string): boolean {
  for (const m of text.matchAll(/(?<![A-Za-z0-9])bearer(?= +([A-Za-z0-9\-._~+/=]*))/gi)) {
    const token = m[1]
    if (token.length >= 20 || (token.length >= 8 && /\d/.test(token))) return true
  }
  return false
}

function hasPrivateKey (text: string): boolean {
  for (const m of text.matchAll(/-----BEGIN (?=([A-Z0-9 ]{0,40})-----)/g)) {
    if (/(?:^| )PRIVATE KEY(?: BLOCK)?$/.test(m[1])) return true
  }
  return false
}

const SIMPLE_SHAPES = [
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\./,
  /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/,
  /(?<![A-Za-z0-9])gh[oprsu]_[A-Za-z0-9]{36}/,
  /(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22}/,
  /(?<![A-Za-z0-9])[rs]k_(?:live|test)_[A-Za-z0-9]{16}/,
  /(?<![A-Za-z0-9])xox[abeoprs]-[A-Za-z0-9-]{10}/
]

/** The reference: whether `text` holds one of the shapes, as the detector's top comment defines them. */
export function referenceSecret (text: string): boolean {
  return hasCard(text) || hasBearer(text) || hasPrivateKey(text) || SIMPLE_SHAPES.some((re) => re.test(text))
}

export const base64url = (text: string | Buffer): string => Buffer.from(text).toString('base64url')

/** A JWT for `claims`, signed (or not) with a stand-in signature of `signatureBytes` bytes. */
export function jwt (claims: object, alg = 'HS256', signatureBytes = 32): string {
  const header = base64url(JSON.stringify({ alg, typ: 'JWT' }))
  const payload = base64url(JSON.stringify(claims))
  const signature = base64url(createHash('sha512').update(payload).digest().subarray(0, signatureBytes))
  return `${header}.${payload}.${signature}`
}

/** Formats 16 digits in groups of four joined by `separator`. */
export function grouped (digits: string, separator: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, `$1${separator}`)
}
