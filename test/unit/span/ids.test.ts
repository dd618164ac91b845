import { test } from 'tap'
import { idFromHex, newSpanId, newTraceId, randomUuid, toHex } from '../../../lib/span/ids'

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

test('idFromHex reads an id of the given size in either case', async (t) => {
  const trace = '4bf92f3577b34da6a3ce929d0e0e4736'
  t.equal(idFromHex(trace, 16)?.toString('hex'), trace)
  t.equal(idFromHex(trace.toUpperCase(), 16)?.toString('hex'), trace)
  t.equal(idFromHex('00f067aa0ba902b7', 8)?.toString('hex'), '00f067aa0ba902b7')
  t.equal(idFromHex('0000000000000001', 8)?.toString('hex'), '0000000000000001', 'one bit set is enough')
})

test('idFromHex refuses what is not a valid id', async (t) => {
  const bad: unknown[] = [
    undefined, 42, '', '0'.repeat(32), '4bf92f3577b34da6a3ce929d0e0e473', '4bf92f3577b34da6a3ce929d0e0e47360',
    '4bf92f3577b34da6a3ce929d0e0e473g', '4bf92f3577b34da6a3ce929d0e0e47-6', '4bf92f3577b34da6a3ce929d0e0e47 6',
    // Past ASCII, with the low bits of a hex digit ('4' is 0x34).
    '4bf92f3577b34da6a3ce929d0e0e47\u01346', '4bf92f3577b34da6a3ce929d0e0e47\u00b46'
  ]
  for (const text of bad) t.equal(idFromHex(text, 16), undefined, `refused: ${JSON.stringify(text)}`)
})

test('ids read from hex do not share bytes', async (t) => {
  const first = idFromHex('4bf92f3577b34da6a3ce929d0e0e4736', 16)
  // More than a slab's worth, so a new slab is started too.
  for (let i = 0; i < 1000; i++) idFromHex('ffffffffffffffffffffffffffffffff', 16)
  t.equal(first?.toString('hex'), '4bf92f3577b34da6a3ce929d0e0e4736')
})
