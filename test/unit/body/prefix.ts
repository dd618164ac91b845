// What a structurally cut document may be: the original with its last containers closed early and its last
// string possibly shortened; every other value kept is a value of the original.
import { isDeepStrictEqual } from 'node:util'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** True when `cut` (parsed) is a structural prefix of `original` (a JSON value as JSON.parse gives it). */
export function isStructuralPrefix (cut: unknown, original: unknown): boolean {
  if (typeof original === 'string') return typeof cut === 'string' && original.startsWith(cut)
  if (Array.isArray(original)) {
    if (!Array.isArray(cut) || cut.length > original.length) return false
    return cut.every((item, i) => i === cut.length - 1 ? isStructuralPrefix(item, original[i]) : isDeepStrictEqual(item, original[i]))
  }
  if (isObject(original)) {
    if (!isObject(cut)) return false
    const keys = Object.keys(cut)
    const originalKeys = Object.keys(original)
    if (!keys.every((key, i) => key === originalKeys[i])) return false
    return keys.every((key, i) => i === keys.length - 1 ? isStructuralPrefix(cut[key], original[key]) : isDeepStrictEqual(cut[key], original[key]))
  }
  return cut === original
}

/** The value as JSON gives it back: what a captured document is compared with. */
export const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

/** Bytes of the smallest document a value can be cut to: an empty container or string, else its whole JSON. */
export function smallestSize (value: unknown): number {
  return typeof value === 'string' || (typeof value === 'object' && value !== null) ? 2 : Buffer.byteLength(JSON.stringify(value))
}
