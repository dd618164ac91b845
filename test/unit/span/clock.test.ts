import { test } from 'tap'
import { nowMs, toHrTime } from '../../../lib/span/clock'

test('milliseconds become seconds and nanoseconds, nanoseconds always below a second', async (t) => {
  t.same(toHrTime(1_700_000_000_123.5), [1_700_000_000, 123_500_000])
  t.same(toHrTime(0), [0, 0])
  t.same(toHrTime(1999.9999999999), [2, 0], 'rounding up to a whole second carries into the seconds')
})

test('the clock follows the wall clock', async (t) => {
  const drift = Math.abs(nowMs() - Date.now())
  t.ok(drift < 1000, `within a second of Date.now() (${drift.toFixed(1)} ms)`)
})
