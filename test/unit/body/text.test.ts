// Bytes to text in the body's charset, whole or only the start a span can keep.
import { test } from 'tap'
import { decodeText, decodeTextPrefix } from '../../../lib/body/text'

test('UTF-8 unless a charset says otherwise; a BOM is dropped', async (t) => {
  t.equal(decodeText(Buffer.from('héllo'), undefined), 'héllo')
  t.equal(decodeText(Buffer.from('\ufeff{"a":1}'), 'utf-8'), '{"a":1}')
  t.equal(decodeText(Buffer.from([0x68, 0xe9]), 'iso-8859-1'), 'hé')
  t.equal(decodeText(Buffer.from('hé', 'utf16le'), 'utf-16le'), 'hé')
  t.equal(decodeText(Buffer.from('hé'), 'no-such-charset'), 'hé', 'an unknown charset reads as UTF-8')
  t.equal(decodeText(Buffer.from([0x61, 0xff, 0x62]), undefined), 'a\ufffdb', 'a bad sequence becomes U+FFFD')
})

test('the start of a long text is decoded from a bounded part of it, between characters', async (t) => {
  // Three bytes more than asked for, in case they are a BOM that takes no room in the JSON string.
  const text = 'ab€😀' + 'x'.repeat(1000)
  t.equal(decodeTextPrefix(Buffer.from(text), undefined, 0), 'ab', 'the first € byte alone is not kept')
  t.equal(decodeTextPrefix(Buffer.from(text), undefined, 1), 'ab')
  t.equal(decodeTextPrefix(Buffer.from(text), undefined, 2), 'ab€')
  t.equal(decodeTextPrefix(Buffer.from(text), undefined, 5), 'ab€')
  t.equal(decodeTextPrefix(Buffer.from(text), undefined, 6), 'ab€😀')
  t.equal(decodeTextPrefix(Buffer.from('\ufeffab€' + 'x'.repeat(1000)), undefined, 3), 'ab', 'a BOM is not counted')
  t.equal(decodeTextPrefix(Buffer.from('short'), undefined, 100), 'short')
  t.equal(decodeTextPrefix(Buffer.from([0x68, 0xe9, 0x68]), 'latin1', 2), 'héh', 'other charsets are decoded whole')
})
