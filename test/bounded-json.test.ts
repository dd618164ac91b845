// The bounded JSON writer gives exactly JSON.stringify's text, or a prefix of it once the limit is reached.
import { test } from 'tap'
import fc from 'fast-check'
import { boundedStringify } from '../lib/body/bounded-json'

class Money { constructor (readonly amount: number) {} toJSON (): string { return `${this.amount} EUR` } }

test('with room to spare it equals JSON.stringify, for any JSON value', async (t) => {
  fc.assert(fc.property(fc.jsonValue(), (value) => boundedStringify(value, Infinity) === JSON.stringify(value)), { numRuns: 1000 })
  t.pass('1000 random JSON values')
})

test('what JSON.stringify does with odd values, it does too', async (t) => {
  const odd = {
    date: new Date(0), money: new Money(5), nan: NaN, inf: -Infinity, undef: undefined, fn: () => 1,
    sym: Symbol('s'), list: [undefined, () => 1, Symbol('x'), NaN, 1], boxed: [new Number(3), new String('s'), new Boolean(false)],
    buffer: Buffer.from('ab'), map: new Map([[1, 2]]), nested: { '': 1, 'quote"key': 'line\nbreak', '✓': '\u2028' }
  }
  t.equal(boundedStringify(odd, Infinity), JSON.stringify(odd))
  t.equal(boundedStringify(undefined, 10), undefined)
  t.equal(boundedStringify(() => 1, 10), undefined)
})

test('a prefix of at least the limit once the text is longer', async (t) => {
  fc.assert(fc.property(fc.jsonValue(), fc.nat({ max: 200 }), (value, max) => {
    const full = JSON.stringify(value)
    const cut = boundedStringify(value, max) as string
    return full.startsWith(cut) && (cut.length >= max || cut === full)
  }), { numRuns: 1000 })
  const big = { items: Array.from({ length: 100_000 }, (_, i) => ({ i, name: `item ${i}` })) }
  const cut = boundedStringify(big, 1000) as string
  t.ok(cut.length >= 1000 && cut.length < 1100, 'a 3 MB document is written only as far as needed')
  t.ok(JSON.stringify(big).startsWith(cut))
})

test('what JSON.stringify refuses gives no text, and never throws', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  t.equal(boundedStringify(cyclic, Infinity), undefined, 'a cycle')
  t.equal(boundedStringify({ n: 1n }, Infinity), undefined, 'a BigInt')
  let deep: unknown = 1
  for (let i = 0; i < 200_000; i++) deep = [deep]
  t.equal(boundedStringify(deep, Infinity), undefined, 'nesting too deep for JSON.stringify')
  t.equal((boundedStringify(deep, 50) as string).length, 50, 'the same nesting, cut early, gives its prefix')
  const shared = { x: 1 }
  t.equal(boundedStringify({ a: shared, b: shared }, Infinity), '{"a":{"x":1},"b":{"x":1}}', 'a shared object is not a cycle')
})
