import { performance } from 'node:perf_hooks'

/** Seconds and nanoseconds since the epoch, the form OTLP times are written from. */
export type HrTime = [number, number]

// performance.now() is monotonic and cheap; the offset ties it to the wall clock and is refreshed by
// reanchor(), so a long-running process does not drift from the collector's clock.
let offsetMs = Date.now() - performance.now()

/** Milliseconds since the epoch, with sub-millisecond precision. */
export function nowMs (): number {
  return offsetMs + performance.now()
}

export function reanchor (): void {
  offsetMs = Date.now() - performance.now()
}

export function toHrTime (ms: number): HrTime {
  const seconds = Math.floor(ms / 1000)
  const nanos = Math.round((ms - seconds * 1000) * 1e6)
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos]
}
