// Shared by the redaction engine's unit tests: the reference semantics (jsonpath.apply), a way to catch a
// compile error, and the user document most cases run on.
import jsonpath from 'jsonpath'
import { compileRedaction, REDACTED, RedactionPathError, redactValue } from '../../lib/redaction'

export const R = REDACTED

export function redact (paths: string[], value: unknown): unknown {
  return redactValue(compileRedaction(paths), value)
}

/** What jsonpath.apply gives for the paths in order, on a clone; the reference semantics. */
export function viaJsonpath (paths: string[], value: unknown): unknown {
  const clone = JSON.parse(JSON.stringify(value)) as object
  for (const path of paths) jsonpath.apply(clone, path.startsWith('$') ? path : `$.${path}`, () => R)
  return clone
}

/** The RedactionPathError `compile` throws; fails the test with `accepted` when it throws nothing. */
export function pathError (compile: () => unknown, accepted: string): RedactionPathError {
  try {
    compile()
  } catch (err) {
    if (err instanceof RedactionPathError) return err
    throw err
  }
  throw new Error(accepted)
}

export function compileError (paths: string[]): RedactionPathError {
  return pathError(() => compileRedaction(paths), `compileRedaction accepted ${JSON.stringify(paths)}`)
}

export const USER = {
  user: {
    name: 'John Martha',
    email: 'john.martha@example.com',
    credit_card: '4111111111111111',
    addresses: [
      { street: '1 Main St', city: 'Lagos', zip: '100001' },
      { street: '2 Side Rd', city: 'Abuja', zip: '900001' }
    ]
  },
  list: [10, 11, 12, 13, 14],
  'a-b': 1,
  'a.b': 2,
  'x]y': 3,
  obj: { '0': 'zero', k: 'v' },
  s: 'text'
}
