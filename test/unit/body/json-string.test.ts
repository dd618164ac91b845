// Cutting a JSON string token: whole characters only, whatever the escapes and encodings around the cut.
import { test } from 'tap'
import { scanString, sliceEnd } from '../../../lib/body/json-string'

/** The token kept in `room` bytes, with the closing quote a cut adds. */
function kept (token: string, room: number): string | null {
  const extent = scanString(token, 0, room)
  if (extent === null) return null
  return extent.whole ? token.slice(0, extent.end) : token.slice(0, extent.end) + '"'
}

test('a token that fits is read whole, its UTF-8 size counted', async (t) => {
  t.same(scanString('"abc"', 0, 5), { end: 5, bytes: 5, whole: true })
  t.same(scanString('"é€😀"', 0, 100), { end: 6, bytes: 11, whole: true }, '2 + 3 + 4 bytes and two quotes')
  t.same(scanString('x:"a\\nb",', 2, 100), { end: 8, bytes: 6, whole: true }, 'read from where the token starts')
  t.same(scanString('"\\u00e9\\ud83d\\ude00"', 0, 100), { end: 20, bytes: 20, whole: true }, 'escapes count as written')
})

test('a cut keeps whole characters and always leaves room for the closing quote', async (t) => {
  t.equal(kept('"abcdef"', 5), '"abc"')
  t.equal(kept('"abcdef"', 2), '""', 'two bytes hold the empty string')
  t.equal(kept('"aé"', 4), '"a"', 'é takes two bytes: not split')
  t.equal(kept('"aé"', 5), '"aé"')
  t.equal(kept('"a€b"', 5), '"a"', '€ takes three bytes')
  t.equal(kept('"a😀b"', 6), '"a"', 'a raw surrogate pair is one four-byte character')
  t.equal(kept('"a😀b"', 7), '"a😀"')
  t.equal(kept('"a\\nb"', 4), '"a"', 'never inside \\n')
  t.equal(kept('"a\\nb"', 5), '"a\\n"')
  t.equal(kept('"a\\u00e9b"', 8), '"a"', 'never inside \\u00e9')
  t.equal(kept('"a\\u00e9b"', 9), '"a\\u00e9"')
  t.equal(kept('"a\\ud83d\\ude00b"', 14), '"a"', 'an escaped surrogate pair is kept or dropped as one')
  t.equal(kept('"a\\ud83d\\ude00b"', 15), '"a\\ud83d\\ude00"')
  t.equal(kept('"a\\ud800b"', 9), '"a\\ud800"', 'an escaped lone surrogate is one character')
  t.same(scanString('"abcdef"', 0, 5), { end: 4, bytes: 5, whole: false })
})

test('what is not a JSON string token is refused, as far as it is read', async (t) => {
  t.equal(scanString('"abc', 0, 100), null, 'no closing quote')
  t.equal(scanString('"a\\xb"', 0, 100), null, 'an unknown escape')
  t.equal(scanString('"a\\u12"', 0, 100), null, 'a short \\u escape')
  t.equal(scanString('"a\\', 0, 100), null, 'a backslash at the end')
  t.equal(scanString('"a\nb"', 0, 100), null, 'a raw control character')
  t.same(scanString('"abc\\x', 0, 4), { end: 3, bytes: 4, whole: false }, 'past the cut nothing is read')
})

test('a string is sliced so that a surrogate pair stays whole', async (t) => {
  t.equal(sliceEnd('ab😀c', 3), 4, 'the slice would end between the two halves')
  t.equal(sliceEnd('ab😀c', 2), 2)
  t.equal(sliceEnd('ab😀c', 4), 4)
  t.equal(sliceEnd('ab\ud800c', 3), 3, 'a lone high surrogate has no partner to keep')
  t.equal(sliceEnd('ab', 5), 5)
})
