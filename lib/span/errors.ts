/** One entry of `apitoolkit.errors`, in the shape older APItoolkit readers take. */
export interface ErrorObject {
  when: string
  error_type: string
  message: string
  root_error_type: string
  root_error_message: string
  stack_trace: string
}

/** An error as the span records it: an `exception` event, and an `apitoolkit.errors` entry. */
export interface RecordedError {
  timeMs: number
  type: string
  message: string
  /** The stack, then one `Caused by: <type>: <message>` line per cause. */
  stacktrace: string
  entry: ErrorObject
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

/** The error's causes, outermost first, stopping at a cycle, a value that says nothing, or the depth cap. */
function causesOf (error: ErrorLike): ErrorLike[] {
  const seen = new Set<unknown>()
  const causes: ErrorLike[] = []
  let link = error
  while (causes.length < MAX_CAUSE_DEPTH) {
    const cause = link.cause
    if (cause === undefined || cause === null || seen.has(cause)) break
    seen.add(cause)
    const next = asErrorLike(cause)
    if (next === undefined) break
    causes.push(next)
    link = next
  }
  return causes
}

/** Converts a thrown or reported value into a recorded error; undefined when it is nothing error-like. */
export function recordError (value: unknown, timeMs: number): RecordedError | undefined {
  const error = asErrorLike(value)
  if (error === undefined) return undefined
  const causes = causesOf(error)
  const root = causes.length === 0 ? error : causes[causes.length - 1]
  let stacktrace = error.stack === '' ? `${error.name}: ${error.message}` : error.stack
  for (const cause of causes) stacktrace += `\nCaused by: ${cause.name}: ${cause.message}`
  return {
    timeMs,
    type: error.name,
    message: error.message,
    stacktrace,
    entry: {
      when: new Date(timeMs).toISOString(),
      error_type: error.name,
      message: error.message,
      root_error_type: root.name,
      root_error_message: root.message,
      stack_trace: error.stack
    }
  }
}

/** The client closed the connection before the response was complete. */
export class RequestAbortedError extends Error {
  constructor () {
    super('request aborted by the client')
    this.name = 'RequestAbortedError'
  }
}

/** The server's connectionTimeout closed the connection before the response was complete. */
export class ConnectionTimeoutError extends Error {
  constructor () {
    super('connection timed out')
    this.name = 'ConnectionTimeoutError'
  }
}
