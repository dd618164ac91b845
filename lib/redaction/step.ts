// The engine's steps, shared by its three stages: parse-path makes them, compile merges them into a trie,
// walk tests them against keys.

/** What one path step selects among the children of a container. */
export type Step =
  /** An own property, or the array element a canonical index string names (`.a`, `['a']`, `.0`). */
  | { readonly kind: 'name', readonly name: string, readonly index: number }
  /** An array element only (`[0]`); `index` is -1 when it can never match (negative). */
  | { readonly kind: 'index', readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'slice', readonly start: number | null, readonly end: number | null, readonly step: number | null }
  | { readonly kind: 'union', readonly parts: readonly Step[] }
  /**
   * jsonpath's descendant match `key == ref` (loose equality): an object key equal to `name`, or whose
   * number is `num` when the reference is a number; an array index equal to `num`.
   */
  | { readonly kind: 'loose', readonly name: string | null, readonly num: number }

/** One component of a path: its step, and whether it is a descendant (`..`) one. */
export interface PathStep {
  readonly step: Step
  /** Descendant steps match at any depth below the position they leave from. */
  readonly descendant: boolean
}

/** jsonpath's integer coercion, quirks included (`1e+21` reads as 1), so slices select the same elements. */
export function toInt (value: number): number {
  if (Number.isSafeInteger(value)) return value + 0 // the common case; `+ 0` turns -0 into 0 as String() would
  return Number.isFinite(value) ? parseInt(String(value), 10) : 0
}
