// Reading errors off an exported span: the `exception` events the backend reads, and their agreement with
// the `apitoolkit.errors` list older readers take.
import type { Test } from 'tap'
import { errorsOf } from './harness'
import type { DecodedSpan } from './official-receiver'

export interface ExceptionEvent {
  type: string
  message: string
  stacktrace: string
  /** Nanoseconds since the epoch. */
  time: bigint
}

/** The span's `exception` events, in the order they were recorded; throws on any other event. */
export function exceptionsOf (span: DecodedSpan): ExceptionEvent[] {
  return span.events.map((event) => {
    if (event.name !== 'exception') throw new Error(`unexpected event ${event.name}`)
    const a = event.attributes
    return {
      type: String(a['exception.type']),
      message: String(a['exception.message']),
      stacktrace: String(a['exception.stacktrace']),
      time: BigInt(event.timeUnixNano)
    }
  })
}

/**
 * Every exception event has its `apitoolkit.errors` entry and the other way round, in the same order: same
 * type and message, the stack trace as the entry's stack (or `type: message` without one), the same time
 * (the entry's ISO time has milliseconds), within the span.
 */
export function errorsAgree (t: Test, span: DecodedSpan, label: string): void {
  const events = exceptionsOf(span)
  const entries = errorsOf(span)
  t.equal(events.length, entries.length, `${label}: one exception event per apitoolkit.errors entry`)
  const start = BigInt(span.startTimeUnixNano)
  const end = BigInt(span.endTimeUnixNano)
  entries.forEach((entry, i) => {
    const event = events[i]
    if (event === undefined) return
    t.equal(event.type, entry.error_type, `${label}: error ${i} type`)
    t.equal(event.message, entry.message, `${label}: error ${i} message`)
    const head = entry.stack_trace === '' ? `${entry.error_type}: ${entry.message}` : entry.stack_trace
    t.ok(event.stacktrace.startsWith(head), `${label}: error ${i} stack trace starts with the error's stack`)
    const eventMs = Number(event.time / 1_000_000n)
    t.ok(Math.abs(eventMs - Date.parse(entry.when)) <= 1, `${label}: error ${i} recorded at the entry's time`)
    t.ok(event.time >= start && event.time <= end, `${label}: error ${i} recorded while the span was open`)
  })
}
