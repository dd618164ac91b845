// BodyCopy: the start of a body copied from the chunks that go by, never more than its limit, never a gap.
import { test } from 'tap'
import { BodyCopy } from '../../../lib/outgoing/body-copy'

test('chunks are copied in order, strings in their encoding', async (t) => {
  const copy = new BodyCopy(100)
  copy.add('héllo ')
  copy.add(Buffer.from('wor'))
  copy.add('6c64', 'hex')
  copy.add(new Uint8Array([33]))
  t.equal(copy.bytes()?.toString(), 'héllo world!')
})

test('a copy, not the caller\'s buffer: changing it afterwards changes nothing', async (t) => {
  const copy = new BodyCopy(100)
  const chunk = Buffer.from('abc')
  copy.add(chunk)
  chunk.fill(0)
  t.equal(copy.bytes()?.toString(), 'abc')
})

test('at most the limit; once a chunk is cut, later chunks are not added', async (t) => {
  const copy = new BodyCopy(5)
  copy.add('abc')
  copy.add(Buffer.from('defgh'))
  copy.add('ij')
  t.equal(copy.bytes()?.toString(), 'abcde')
  const strings = new BodyCopy(4)
  strings.add('a'.repeat(1000))
  strings.add('b')
  t.equal(strings.bytes()?.toString(), 'aaaa')
  const hex = new BodyCopy(3)
  hex.add('61626364656667', 'hex')
  t.equal(hex.bytes()?.toString(), 'abc', 'enough characters of a hex string are read to fill the limit')
})

test('nothing copied, or a chunk that is not bytes: no body', async (t) => {
  t.equal(new BodyCopy(10).bytes(), undefined)
  const odd = new BodyCopy(10)
  odd.add('ab')
  odd.add({ not: 'bytes' })
  t.equal(odd.bytes(), undefined, 'the copy would not be the body')
  const unknownEncoding = new BodyCopy(10)
  unknownEncoding.add('ab', 'no-such-encoding')
  t.equal(unknownEncoding.bytes()?.toString(), 'ab', 'an encoding Node does not know is read as UTF-8, as a callback in its place is')
})
