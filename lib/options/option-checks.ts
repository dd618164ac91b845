// The checks plugin options and route options share: a kind per name, unknown names refused with a hint,
// messages that name the option and the bad value.
import { compileRedaction, RedactionPathError, type RedactionPlan } from '../redaction'

export const ERROR_PREFIX = 'apitoolkit-fastify: '

export class ApitoolkitOptionsError extends Error {
  constructor (message: string) {
    super(ERROR_PREFIX + message)
    this.name = 'ApitoolkitOptionsError'
  }
}

export type Kind = 'string' | 'boolean' | 'capture' | 'rate' | 'milliseconds' | 'string[]' | 'path[]' | 'positive integer'

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  boolean: 'a boolean',
  capture: "true, false or 'errors'",
  rate: 'a number from 0 to 1',
  milliseconds: 'a number of milliseconds, 0 or more',
  'string[]': 'an array of strings',
  'path[]': 'an array of JSONPath strings',
  'positive integer': 'a positive integer'
}

export function show (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return String(value)
}

function isKind (kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string'
    case 'boolean': return typeof value === 'boolean'
    case 'capture': return typeof value === 'boolean' || value === 'errors'
    case 'rate': return typeof value === 'number' && value >= 0 && value <= 1
    case 'milliseconds': return typeof value === 'number' && Number.isFinite(value) && value >= 0
    case 'positive integer': return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    default: return Array.isArray(value)
  }
}

/** Throws, naming `name`, unless `value` is of `kind`; list items are checked one by one. */
function checkKind (name: string, kind: Kind, value: unknown): void {
  if (!isKind(kind, value)) throw new ApitoolkitOptionsError(`option ${name} must be ${EXPECTED[kind]}, got ${show(value)}`)
  if (kind !== 'string[]' && kind !== 'path[]') return
  const items = value as unknown[]
  // An index loop, not forEach: a hole in a sparse array is not a string either.
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] !== 'string') throw new ApitoolkitOptionsError(`option ${name}[${i}] must be a string, got ${show(items[i])}`)
  }
}

/**
 * Checks every name of `given` against `kinds`: unknown names are refused (a typo in a redaction option
 * would silently leak data), with the known name they differ from only in case as a hint. `prefix` is
 * put before names in messages; names in `allowed` are someone else's and skipped.
 */
export function checkOptions (
  given: Record<string, unknown>, kinds: Readonly<Record<string, Kind>>, prefix = '', allowed: ReadonlySet<string> = new Set()
): void {
  for (const name of Object.keys(given)) {
    if (allowed.has(name)) continue
    // Own names only: `constructor` or `toString` must not pass as options through the prototype.
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined
    if (kind === undefined) {
      const hint = Object.keys(kinds).find((known) => known.toLowerCase() === name.toLowerCase())
      throw new ApitoolkitOptionsError(`unknown option ${JSON.stringify(prefix + name)}${hint === undefined ? '' : ` (did you mean ${prefix + hint}?)`}`)
    }
    if (given[name] !== undefined) checkKind(prefix + name, kind, given[name])
  }
}

/** The paths compiled once; an invalid one is refused naming the option, its index and where it is wrong. */
export function compilePaths (name: string, paths: string[], secrets = false): RedactionPlan {
  try {
    return compileRedaction(paths, { secrets })
  } catch (err) {
    if (err instanceof RedactionPathError) {
      throw new ApitoolkitOptionsError(`option ${name}[${paths.indexOf(err.path)}]: ${err.message}`)
    }
    throw err
  }
}
