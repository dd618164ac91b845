// The writer's bytes against hand-computed ones and against a BigInt reference encoder written here.
import t from 'tap'
import { base64Length, int64Size, ProtobufWriter, varintSize } from '../../../lib/export/protobuf-writer'

/** The protobuf varint of a non-negative bigint, by the book. */
function referenceVarint (value: bigint): number[] {
  const bytes: number[] = []
  while (value >= 128n) {
    bytes.push(Number(value & 127n) | 128)
    value >>= 7n
  }
  bytes.push(Number(value))
  return bytes
}

function bytesOf (w: ProtobufWriter, from = 0): number[] {
  return [...w.buf.subarray(from, w.pos)]
}

t.test('varints at the boundaries of each size match hand-computed bytes', async (t) => {
  const cases: Array<[number, number[]]> = [
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [16383, [0xff, 0x7f]],
    [16384, [0x80, 0x80, 0x01]],
    [2 ** 21 - 1, [0xff, 0xff, 0x7f]],
    [2 ** 21, [0x80, 0x80, 0x80, 0x01]],
    [2 ** 28, [0x80, 0x80, 0x80, 0x80, 0x01]],
    [2 ** 31, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
    [2 ** 53 - 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]]
  ]
  for (const [value, expected] of cases) {
    const w = new ProtobufWriter(0)
    w.varint(value)
    t.same(bytesOf(w), expected, `varint ${value}`)
    t.equal(varintSize(value), expected.length, `varintSize ${value}`)
  }
})

t.test('varints of every bit length agree with the reference encoder, and varintSize with their length', async (t) => {
  const w = new ProtobufWriter(16)
  for (let bits = 0; bits <= 63; bits++) {
    for (const value of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1].filter((v) => Number.isSafeInteger(v) || v === 2 ** bits)) {
      const start = w.pos
      w.varint(value)
      const expected = referenceVarint(BigInt(value))
      t.same(bytesOf(w, start), expected, `varint ${value}`)
      t.equal(varintSize(value), expected.length, `varintSize ${value}`)
    }
  }
})

t.test('negative int64s are ten-byte two\'s complement; non-negative ones plain varints', async (t) => {
  t.same(bytesOf(withWriter((w) => w.int64(-1))), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
  t.same(bytesOf(withWriter((w) => w.int64(-(2 ** 63)))), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
  t.same(bytesOf(withWriter((w) => w.int64(-0))), [0x00], '-0 is 0')
  const values = [-2, -127, -128, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53) + 1, -(2 ** 53), -(2 ** 62) - 2 ** 40,
    0, 5, 2 ** 53 - 1, 2 ** 53, 2 ** 62, 2 ** 63 - 1024]
  for (const value of values) {
    const expected = referenceVarint(value < 0 ? 2n ** 64n + BigInt(value) : BigInt(value))
    t.same(bytesOf(withWriter((w) => w.int64(value))), expected, `int64 ${value}`)
    t.equal(int64Size(value), expected.length, `int64Size ${value}`)
  }
})

function withWriter (write: (w: ProtobufWriter) => void, capacity = 0): ProtobufWriter {
  const w = new ProtobufWriter(capacity)
  write(w)
  return w
}

function fixed64 (value: bigint): number[] {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt.asUintN(64, value))
  return [...b]
}

t.test('HrTimes become the exact fixed64 of their nanoseconds, wrapping past 2^64 as a fixed64 does', async (t) => {
  t.same(bytesOf(withWriter((w) => w.fixed64Time([0, 0]))), [0, 0, 0, 0, 0, 0, 0, 0])
  t.same(bytesOf(withWriter((w) => w.fixed64Time([1, 0]))), [0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0], '1e9 ns')
  t.same(bytesOf(withWriter((w) => w.fixed64Time([0, 999_999_999]))), [0xff, 0xc9, 0x9a, 0x3b, 0, 0, 0, 0])
  const times: Array<[number, number]> = [
    [1_700_000_000, 999_999_999], [1_700_000_000, 0], [1_700_000_001, 1], [9_007_199, 254_740_993],
    [2 ** 31 - 1, 999_999_999], [2 ** 32, 5], [2 ** 32 - 1, 999_999_999], [4_102_444_800, 123_456_789],
    [18_446_744_073, 709_551_615], [18_446_744_073, 709_551_616], [18_446_744_074, 0], [2 ** 35, 999_999_999],
    [100_000_000_000, 999_999_999]
  ]
  for (const [seconds, nanos] of times) {
    const expected = fixed64(BigInt(seconds) * 1_000_000_000n + BigInt(nanos))
    t.same(bytesOf(withWriter((w) => w.fixed64Time([seconds, nanos]))), expected, `[${seconds}, ${nanos}]`)
  }
})

t.test('fixed32 and double are little-endian', async (t) => {
  t.same(bytesOf(withWriter((w) => w.fixed32(0x3ff))), [0xff, 0x03, 0, 0])
  t.same(bytesOf(withWriter((w) => w.fixed32(0xfedcba98))), [0x98, 0xba, 0xdc, 0xfe])
  t.same(bytesOf(withWriter((w) => w.double(1.5))), [0, 0, 0, 0, 0, 0, 0xf8, 0x3f])
  t.same(bytesOf(withWriter((w) => w.double(-2))), [0, 0, 0, 0, 0, 0, 0, 0xc0])
})

/** A length-delimited string as protobuf sends it, from Node's own UTF-8 encoder. */
function expectedString (text: string): number[] {
  const utf8 = Buffer.from(text, 'utf8')
  return [...referenceVarint(BigInt(utf8.length)), ...utf8]
}

t.test('strings at the length boundaries, where the reserved length is right and where it must grow', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['a'.repeat(127), '127 ASCII bytes'],
    ['a'.repeat(128), '128 ASCII bytes'],
    ['é'.repeat(63), '126 bytes from 63 units'],
    ['é'.repeat(64), '128 bytes from 64 units: the length needs 2 bytes, 1 reserved'],
    ['😀'.repeat(32), '128 bytes from 64 units (astral)'],
    ['€'.repeat(42) + 'ab', '128 bytes from 44 units'],
    ['a'.repeat(16383), '16383 ASCII bytes'],
    ['a'.repeat(16384), '16384 ASCII bytes'],
    ['€'.repeat(5461), '16383 bytes from 5461 units'],
    ['€'.repeat(5462), '16386 bytes from 5462 units: 3 bytes of length, 2 reserved'],
    ['€'.repeat(700_000), '2.1 MB from 700000 units: 4 bytes of length, 3 reserved'],
    ['\u0000\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}', 'every UTF-8 width'],
    ['short ascii then é', 'non-ASCII after an ASCII start']
  ]
  for (const [text, name] of cases) {
    // Between other bytes, from a tiny buffer: the move and the growth must keep both sides intact.
    const w = new ProtobufWriter(0)
    w.byte(0xaa)
    w.string(text)
    w.byte(0xbb)
    t.ok(Buffer.from([0xaa, ...expectedString(text), 0xbb]).equals(w.buf.subarray(0, w.pos)), name)
  }
})

t.test('lone surrogates are written as U+FFFD, as TextEncoder writes them', async (t) => {
  for (const text of ['\ud800', 'a\udc00b', 'x'.repeat(40) + '\ud83d']) {
    const w = withWriter((w) => w.string(text))
    t.same(bytesOf(w), [...referenceVarint(BigInt(new TextEncoder().encode(text).length)), ...new TextEncoder().encode(text)])
  }
})

t.test('bytes and raw bytes are copied, short and long, with and without a length', async (t) => {
  for (const length of [0, 1, 8, 16, 17, 200]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff)
    t.same(bytesOf(withWriter((w) => w.bytes(bytes))), [...referenceVarint(BigInt(length)), ...bytes], `bytes of ${length}`)
    t.same(bytesOf(withWriter((w) => w.raw(bytes))), [...bytes], `raw ${length}`)
  }
})

t.test('base64 text of any length equals Node\'s, from Buffers and from plain views with an offset', async (t) => {
  const backing = Uint8Array.from({ length: 400 }, (_, i) => (i * 101 + 7) & 0xff)
  for (const length of [0, 1, 2, 3, 4, 5, 95, 96, 97, 98, 99, 300]) {
    const view = new Uint8Array(backing.buffer, 5, length)
    const expected = Buffer.from(view).toString('base64')
    t.equal(base64Length(length), expected.length, `base64Length ${length}`)
    for (const source of [view, Buffer.from(view)]) {
      const w = new ProtobufWriter(0)
      w.byte(0xaa)
      const count = w.base64At(source, 1)
      t.equal(count, expected.length)
      t.equal(w.buf.toString('latin1', 1, 1 + count), expected, `${length} bytes from ${source.constructor.name}`)
      t.equal(w.buf[0], 0xaa, 'what comes before stays')
    }
  }
})

t.test('a nested message gets the shortest length varint, its content moved either way when the reserve was wrong', async (t) => {
  const cases = [[1, 5], [1, 127], [1, 128], [1, 20_000], [2, 5], [2, 127], [2, 128], [2, 16_384], [3, 10]]
  for (const [reserve, contentLength] of cases) {
    const w = new ProtobufWriter(0)
    w.byte(0xaa)
    const at = w.begin(reserve)
    const content = Uint8Array.from({ length: contentLength }, (_, i) => (i * 13) & 0xff)
    w.raw(content)
    w.end(at, reserve)
    w.byte(0xbb)
    const expected = Buffer.from([0xaa, ...referenceVarint(BigInt(contentLength)), ...content, 0xbb])
    t.ok(expected.equals(w.buf.subarray(0, w.pos)), `${contentLength} bytes with ${reserve} reserved`)
  }
})

t.test('growing keeps every byte written, also the ones past pos waiting for their header', async (t) => {
  const w = new ProtobufWriter(16)
  for (let i = 0; i < 1000; i++) w.varint(i)
  const expected = Array.from({ length: 1000 }, (_, i) => referenceVarint(BigInt(i))).flat()
  t.same(bytesOf(w), expected)
  const small = new ProtobufWriter(16)
  const count = small.utf8At('abc', 4)
  small.utf8At('x'.repeat(100), 10) // grows the buffer
  t.equal(small.buf.toString('latin1', 4, 4 + count), 'abc')
})

t.test('a buffer given to reuse is written over when it has room, and left alone when it has not', async (t) => {
  const roomy = Buffer.alloc(64, 0xee)
  const w = new ProtobufWriter(32, 0, roomy)
  t.equal(w.buf, roomy, 'written in the given buffer')
  w.string('hi')
  t.same(bytesOf(w), [0x02, 0x68, 0x69])

  const small = Buffer.alloc(8, 0xee)
  const fresh = new ProtobufWriter(32, 0, small)
  t.not(fresh.buf, small, 'a new buffer when the given one is too small')
  fresh.string('hi')
  t.same([...small], new Array(8).fill(0xee), 'the small buffer is untouched')
})
