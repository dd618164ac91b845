// JSON text cut without a full parse: tokens copied as written, whitespace dropped, the grammar checked as
// far as the text is read.
import { test } from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { cutJsonText } from '../../../lib/body/json-text'
import { isStructuralPrefix, smallestSize } from './prefix'

const cut = (json: string, max: number): string | undefined | null => {
  const out = cutJsonText(json, max)
  return out === null || out === undefined ? out : out.toString('utf8')
}

test('text that fits is written whole, without its whitespace', async (t) => {
  t.equal(cut(' { "a" : [ 1 , 2.50 , -0 , 1e+2 ] ,\n\t"b" : { } , "c": [], "d": "x y", "e": true, "f": null } ', 1000),
    '{"a":[1,2.50,-0,1e+2],"b":{},"c":[],"d":"x y","e":true,"f":null}', 'numbers keep their digits')
  t.equal(cut('"\\u00e9\\/"', 100), '"\\u00e9\\/"', 'escapes are copied as they are')
  t.equal(cut('12345678901234567890', 100), '12345678901234567890', 'no precision is lost')
  t.equal(cut('{"__proto__": 1}', 100), '{"__proto__":1}')
})

test('longer text is cut structurally', async (t) => {
  t.equal(cut('{"a": 1, "b": "hello world"}', 20), '{"a":1,"b":"hello "}')
  t.equal(cut('{"a": 1, "b": 123456}', 12), '{"a":1}', 'a number is never cut: the member goes')
  t.equal(cut('{"a": 1, "bbbbbbbbbb": "x"}', 15), '{"a":1}', 'a name is never cut')
  t.equal(cut('[1, [2, [3, 4]]]', 11), '[1,[2,[3]]]')
  t.equal(cut('[1, [2, [3, 4]]]', 10), '[1,[2,[]]]')
  t.equal(cut('["a\\nb"]', 6), '["a"]', 'never inside an escape')
  t.equal(cut('["é€😀x"]', 11), '["é€"]', 'never inside a character')
  t.equal(cut('[' + '[1],'.repeat(100_000) + '[1]]', 9), '[[1],[1]]')
})

test('a limit smaller than the smallest document', async (t) => {
  t.equal(cut('5', 1), '5')
  t.equal(cut('12', 1), undefined)
  t.equal(cut('{"a": 1}', 2), '{}')
  t.equal(cut('"abc"', 2), '""')
  t.equal(cut('{"a": 1}', 1), undefined)
  t.equal(cut('true', 3), undefined)
})

test('text that is not JSON, as far as it is read, gives null', async (t) => {
  for (const bad of ['', ' ', '{', '[1,]', '{"a":}', '{"a" 1}', '{a:1}', '[1 2]', '01', '1.', '-', '.5', 'tru', 'nul', 'truex',
    '"abc', '{"a":1}}', '[1]x', '{"a":1,}', "'a'", '[1,\n', '{"a":1', '"a\\x"', '"\u0001"', '{}{}', 'NaN', '[-]']) {
    t.equal(cut(bad, 1000), null, JSON.stringify(bad))
  }
  t.equal(cut('{"a": "long text", oops', 10), '{"a":"lo"}', 'past the cut nothing is read, so nothing is refused')
})

test('deep nesting is cut like any other', async (t) => {
  const depth = 100_000
  t.equal(cut('['.repeat(depth) + ']'.repeat(depth), 8), '[[[[]]]]')
  t.equal(cut('['.repeat(depth) + ']'.repeat(depth), Infinity), '['.repeat(depth) + ']'.repeat(depth))
})

test('for any JSON value, its text is cut to a structural prefix that parses and fits', async (t) => {
  fc.assert(fc.property(fc.jsonValue(), fc.boolean(), fc.nat({ max: 300 }), (value, pretty, max) => {
    const json = JSON.stringify(value, null, pretty ? 2 : undefined)
    const minified = Buffer.from(JSON.stringify(value))
    const out = cutJsonText(json, max)
    if (out === null) return false
    if (minified.length <= max) return out !== undefined && out.equals(minified)
    if (out === undefined) return max < smallestSize(value)
    return out.length <= max && isStructuralPrefix(JSON.parse(out.toString()), JSON.parse(json))
  }), { numRuns: 1000 })
  t.pass('1000 random JSON texts')
})

test('with no limit it accepts exactly what JSON.parse accepts, and writes the same value', async (t) => {
  const piece = fc.constantFrom('{', '}', '[', ']', ',', ':', ' ', '\n', '"a"', '"b\\n"', '"\\u00e9"', '"\\x"', '"', '1', '-0', '1.5e3', '01', '.',
    'true', 'fals', 'null', 'e', '\\', '\u0001')
  const nearJson = fc.oneof(fc.array(piece, { maxLength: 12 }).map((p) => p.join('')), fc.jsonValue().map((v) => JSON.stringify(v, null, 1)))
  fc.assert(fc.property(nearJson, (s) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(s)
    } catch {
      return cutJsonText(s, Infinity) === null
    }
    const out = cutJsonText(s, Infinity)
    return out instanceof Buffer && isDeepStrictEqual(JSON.parse(out.toString()), parsed)
  }), { numRuns: 3000 })
  t.pass('3000 texts, JSON or nearly')
})
