// The bounded JSON writer gives exactly JSON.stringify's text when it fits, else a structural prefix of it
// that still parses, within the byte limit.
import { test } from 'tap'
import fc from 'fast-check'
import { boundedStringify } from '../../../lib/body/bounded-json'
import { asJson, isStructuralPrefix, smallestSize } from './prefix'

class Money { constructor (readonly amount: number) {} toJSON (): string { return `${this.amount} EUR` } }

const text = (b: Buffer | undefined): string | undefined => b?.toString('utf8')

test('with room to spare it equals JSON.stringify, for any JSON value', async (t) => {
  fc.assert(fc.property(fc.jsonValue(), (value) => text(boundedStringify(value, Infinity)) === JSON.stringify(value)), { numRuns: 1000 })
  t.pass('1000 random JSON values')
})

test('what JSON.stringify does with odd values, it does too', async (t) => {
  const fn = Object.assign(() => 1, { toJSON: () => 'fn' })
  const odd = {
    date: new Date(0), money: new Money(5), nan: NaN, inf: -Infinity, undef: undefined, fn: () => 1,
    sym: Symbol('s'), list: [undefined, () => 1, Symbol('x'), NaN, 1], boxed: [new Number(3), new String('s'), new Boolean(false)],
    buffer: Buffer.from('ab'), map: new Map([[1, 2]]), nested: { '': 1, 'quote"key': 'line\nbreak', '✓': '\u2028' },
    gone: { toJSON: () => undefined }, hole: [1, , 3], negZero: -0, withToJSON: fn, lone: '\ud800'
  }
  t.equal(text(boundedStringify(odd, Infinity)), JSON.stringify(odd))
  t.equal(boundedStringify(undefined, 10), undefined)
  t.equal(boundedStringify(() => 1, 10), undefined)
  t.equal(boundedStringify({ toJSON: () => undefined }, 10), undefined)
})

test('a longer text is cut structurally: it parses, fits, and keeps what it can of the original', async (t) => {
  fc.assert(fc.property(fc.jsonValue(), fc.nat({ max: 200 }), (value, max) => {
    const full = Buffer.from(JSON.stringify(value))
    const cut = boundedStringify(value, max)
    if (full.length <= max) return cut !== undefined && cut.equals(full)
    if (cut === undefined) return max < smallestSize(value)
    return cut.length <= max && isStructuralPrefix(JSON.parse(cut.toString()), asJson(value))
  }), { numRuns: 1000 })
  let reads = 0
  const items = Array.from({ length: 100_000 }, (_, i) => ({ i, name: `item ${i}` }))
  const watched = new Proxy(items, { get (target, key, receiver) { if (key !== 'length') reads++; return Reflect.get(target, key, receiver) } })
  const cut = boundedStringify({ items: watched }, 1000) as Buffer
  t.ok(cut.length > 970 && cut.length <= 1000, 'a 3 MB document fills the limit but for less than one item')
  t.ok(reads < 100, `only the items written are read (${reads} of 100000)`)
  t.ok(isStructuralPrefix(JSON.parse(cut.toString()), asJson({ items })))
})

test('cuts land on whole values, and only a string is ever shortened', async (t) => {
  t.equal(text(boundedStringify({ a: 1, b: 'hello world' }, 20)), '{"a":1,"b":"hello "}')
  t.equal(text(boundedStringify({ a: 1, b: 123456 }, 12)), '{"a":1}', 'a number is never cut: the member goes')
  t.equal(text(boundedStringify({ a: 1, b: true }, 12)), '{"a":1}')
  t.equal(text(boundedStringify({ a: 1, bbbbbbbbbb: 'x' }, 15)), '{"a":1}', 'a name is never cut')
  t.equal(text(boundedStringify({ a: [1, [2, [3, 4]]] }, 17)), '{"a":[1,[2,[3]]]}', 'containers close early')
  t.equal(text(boundedStringify({ a: [1, [2, [3, 4]]] }, 16)), '{"a":[1,[2,[]]]}')
  t.equal(text(boundedStringify({ a: 'x', b: { c: 'long text' } }, 16)), '{"a":"x","b":{}}', 'an empty container is the smallest form of one')
  t.equal(text(boundedStringify(['é€😀x'], 11)), '["é€"]', 'a multi-byte character is kept whole or not at all')
  t.equal(text(boundedStringify(['a\nb'], 6)), '["a"]', 'never inside an escape')
  t.equal(text(boundedStringify(['😀'], 7)), '[""]', 'never inside a surrogate pair')
  t.equal(text(boundedStringify('x'.repeat(1_000_000), 10)), `"${'x'.repeat(8)}"`, 'a long string is cut to the limit')
})

test('a limit smaller than the smallest document', async (t) => {
  t.equal(text(boundedStringify(5, 1)), '5')
  t.equal(boundedStringify(12, 1), undefined, 'a number is not cut')
  t.equal(text(boundedStringify({ a: 1 }, 2)), '{}')
  t.equal(text(boundedStringify([1], 2)), '[]')
  t.equal(text(boundedStringify('abc', 2)), '""')
  t.equal(boundedStringify({ a: 1 }, 1), undefined)
  t.equal(boundedStringify('abc', 1), undefined)
  t.equal(boundedStringify(null, 3), undefined)
  t.equal(text(boundedStringify(null, 4)), 'null')
  t.equal(boundedStringify({}, 0), undefined)
})

test('the size hint lets JSON.stringify write a small value, with the same result', async (t) => {
  const value = { a: 'é', b: [1, 2, { c: null }] }
  t.equal(text(boundedStringify(value, 100, false, 30)), JSON.stringify(value))
  t.equal(text(boundedStringify(value, 10, false, 5)), '{"a":"é"}', 'a wrong hint still gives a document within the limit')
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.equal(boundedStringify(cyclic, 100, false, 10), undefined, 'a cycle is found either way')
})

test('what JSON.stringify refuses gives no text, and never throws', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  t.equal(boundedStringify(cyclic, Infinity), undefined, 'a cycle')
  t.equal(boundedStringify({ n: 1n }, Infinity), undefined, 'a BigInt')
  t.equal(boundedStringify([Object(1n)], Infinity), undefined, 'a boxed BigInt')
  t.equal(boundedStringify({ get a () { throw new Error('getter') } }, Infinity), undefined, 'a throwing getter')
  const shared = { x: 1 }
  t.equal(text(boundedStringify({ a: shared, b: shared }, Infinity)), '{"a":{"x":1},"b":{"x":1}}', 'a shared object is not a cycle')
})

test('nesting too deep for JSON.stringify is written all the same', async (t) => {
  const depth = 200_000
  let deep: unknown = 1
  for (let i = 0; i < depth; i++) deep = [deep]
  t.throws(() => JSON.stringify(deep), RangeError, 'JSON.stringify gives up')
  t.equal(text(boundedStringify(deep, Infinity)), '['.repeat(depth) + '1' + ']'.repeat(depth), 'the walk keeps its own stack')
  const cut = text(boundedStringify(deep, 50)) as string
  t.equal(cut.length, 50, 'the same nesting, cut early, fills the limit')
  t.equal(cut, '['.repeat(25) + ']'.repeat(25))
})
