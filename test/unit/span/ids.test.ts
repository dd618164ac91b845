import { test } from 'tap'
import { newSpanId, newTraceId, randomUuid, toHex } from '../../../lib/span/ids'

test('ids have their sizes, are not all zero, and do not repeat', async (t) => {
  const seen = new Set<string>()
  // More than one pool's worth, so refilling the pool is covered too.
  for (let i = 0; i < 2000; i++) {
    const traceId = toHex(newTraceId())
    const spanId = toHex(newSpanId())
    t.equal(traceId.length, 32)
    t.equal(spanId.length, 16)
    seen.add(traceId)
    seen.add(spanId)
  }
  t.equal(seen.size, 4000, 'no id repeated')
})

test('an id handed out keeps its bytes when the pool refills', async (t) => {
  const first = newTraceId()
  const copy = Buffer.from(first)
  for (let i = 0; i < 1000; i++) newTraceId()
  t.same(first, copy)
})

test('msg ids are UUID v4', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 500; i++) {
    const id = randomUuid()
    t.match(id, /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/)
    seen.add(id)
  }
  t.equal(seen.size, 500)
})
