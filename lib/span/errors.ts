/** One entry of `apitoolkit.errors`, in the shape the APItoolkit backend reads. */
export interface ErrorObject {
  when: string
  error_type: string
  message: string
  root_error_type: string
  root_error_message: string
  stack_trace: string
}

interface ErrorLike { name: string, message: string, stack: string, cause: unknown }

// A cause chain can be cyclic or absurdly long; past this depth the last link seen is taken as the root.
const MAX_CAUSE_DEPTH = 100

function typeName (value: object, fallback: string): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor
  if (ctor !== undefined && ctor !== Object && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name
  const name = (value as { name?: unknown }).name
  return typeof name === 'string' && name !== '' ? name : fallback
}

/** Reads what the span needs from anything thrown, or undefined for values that say nothing. */
function asErrorLike (value: unknown): ErrorLike | undefined {
  if (value instanceof Error) {
    return { name: typeName(value, 'Error'), message: String(value.message), stack: typeof value.stack === 'string' ? value.stack : '', cause: value.cause }
  }
  if (typeof value === 'string') return { name: 'Error', message: value, stack: '', cause: undefined }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return { name: 'Error', message: String(value), stack: '', cause: undefined }
  }
  if (typeof value === 'object' && value !== null) {
    const { message, stack, cause } = value as { message?: unknown, stack?: unknown, cause?: unknown }
    if (typeof message !== 'string') return undefined
    return { name: typeName(value, 'Error'), message, stack: typeof stack === 'string' ? stack : '', cause }
  }
  return undefined
}

function rootOf (error: ErrorLike): ErrorLike {
  const seen = new Set<unknown>()
  let root = error
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    const cause = root.cause
    if (cause === undefined || cause === null || seen.has(cause)) break
    seen.add(cause)
    const next = asErrorLike(cause)
    if (next === undefined) break
    root = next
  }
  return root
}

/** Converts a thrown or reported value into an error object; undefined when it is nothing error-like. */
export function toErrorObject (value: unknown, when: Date = new Date()): ErrorObject | undefined {
  const error = asErrorLike(value)
  if (error === undefined) return undefined
  const root = rootOf(error)
  return {
    when: when.toISOString(),
    error_type: error.name,
    message: error.message,
    root_error_type: root.name,
    root_error_message: root.message,
    stack_trace: error.stack
  }
}
