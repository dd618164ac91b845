/**
 * Buffer methods Node defines on every Buffer but @types/node leaves out: the encoders themselves, without
 * the argument handling of `write`.
 */
interface NodeBufferWrites {
  utf8Write (text: string, offset: number, length: number): number
  latin1Write (text: string, offset: number, length: number): number
}

const TWO_POW_32 = 0x100000000

// A JS loop beats one native call below these sizes; above them the native call's fixed cost is repaid.
const ASCII_LOOP_MAX_CHARS = 32
const COPY_LOOP_MAX_BYTES = 8
const BASE64_LOOP_MAX_BYTES = 96

const BASE64_DIGITS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1')
const BASE64_PAD = 0x3d

/** Bytes of the varint of a non-negative integer. */
export function varintSize (value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x200000) return 3
  if (value < 0x10000000) return 4
  let size = 5
  for (let rest = Math.floor(value / 0x800000000); rest > 0; rest = Math.floor(rest / 0x80)) size++
  return size
}

/** Bytes of a number written by `ProtobufWriter#int64`: negative ones take all ten. */
export function int64Size (value: number): number {
  return value < 0 ? 10 : varintSize(value)
}

/** Length of the base64 text of `byteCount` bytes, padding included. */
export function base64Length (byteCount: number): number {
  return Math.ceil(byteCount / 3) * 4
}

/**
 * A growable protobuf writer over one Buffer. `buf` and `pos` are open to the encoder, which patches
 * lengths in place: each string is written once, at a place reserved from its UTF-16 length (exact for
 * ASCII), and moved only when its UTF-8 length needs a longer varint.
 */
export class ProtobufWriter {
  buf: Buffer
  pos: number

  /** `reuse`, when given and large enough, is written over instead of a new buffer. */
  constructor (capacity: number, pos = 0, reuse?: Buffer) {
    const size = Math.max(capacity, pos, 16)
    this.buf = reuse !== undefined && reuse.length >= size ? reuse : Buffer.allocUnsafe(size)
    this.pos = pos
  }

  /** Makes room for `count` more bytes after `pos`. */
  ensure (count: number): void {
    if (this.pos + count > this.buf.length) this.grow(this.pos + count)
  }

  /** Makes room up to the absolute position `end`. */
  ensureEnd (end: number): void {
    if (end > this.buf.length) this.grow(end)
  }

  private grow (needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2))
    // The whole buffer, not up to `pos`: a string may already sit past it, waiting for its header.
    this.buf.copy(next)
    this.buf = next
  }

  byte (value: number): void {
    this.ensure(1)
    this.buf[this.pos++] = value
  }

  /** A varint of a non-negative integer (uint32, uint64 up to 2^64 as far as doubles are exact). */
  varint (value: number): void {
    this.ensure(10)
    this.pos = this.varintAt(this.pos, value)
  }

  /** An int64 varint: a negative number as its 64-bit two's complement, ten bytes, as protobuf sends it. */
  int64 (value: number): void {
    this.ensure(10)
    this.pos = value < 0 ? this.varint64At(this.pos, value) : this.varintAt(this.pos, value)
  }

  /** Writes a varint at `at` (room already made) and returns the position after it. */
  varintAt (at: number, value: number): number {
    const buf = this.buf
    if (value < 0x80) {
      buf[at] = value
      return at + 1
    }
    if (value < TWO_POW_32) {
      let rest = value >>> 0
      while (rest > 0x7f) {
        buf[at++] = (rest & 0x7f) | 0x80
        rest >>>= 7
      }
      buf[at] = rest
      return at + 1
    }
    return this.varint64At(at, value)
  }

  private varint64At (at: number, value: number): number {
    // Exact for any integral double: `>>> 0` takes the value modulo 2^32, and the floor of the division
    // is the high word, which for a negative value `>>> 0` turns into its two's complement.
    let low = value >>> 0
    let high = Math.floor(value / TWO_POW_32) >>> 0
    const buf = this.buf
    while (high !== 0 || low > 0x7f) {
      buf[at++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    buf[at] = low
    return at + 1
  }

  fixed32 (value: number): void {
    this.ensure(4)
    this.putFixed32(value >>> 0)
  }

  /**
   * The fixed64 nanoseconds since the epoch of a `[seconds, nanoseconds]` time, both non-negative integers.
   * seconds × 1e9 passes 2^53 from 1970 + 104 days on, so 1e9 is split as 15258 × 2^16 + 51712 and each
   * product stays exact (until the year 7000). Past 2554 the nanoseconds wrap modulo 2^64, as any fixed64
   * of them does.
   */
  fixed64Time (time: readonly [number, number]): void {
    const seconds = time[0]
    const upper = seconds * 15258 // to be shifted left by 16 bits
    const sum = (upper % 0x10000) * 0x10000 + seconds * 51712 + time[1]
    this.ensure(8)
    this.putFixed32(sum % TWO_POW_32)
    this.putFixed32((Math.floor(upper / 0x10000) + Math.floor(sum / TWO_POW_32)) % TWO_POW_32)
  }

  private putFixed32 (value: number): void {
    const buf = this.buf
    let at = this.pos
    buf[at++] = value & 0xff
    buf[at++] = (value >>> 8) & 0xff
    buf[at++] = (value >>> 16) & 0xff
    buf[at++] = value >>> 24
    this.pos = at
  }

  double (value: number): void {
    this.ensure(8)
    this.pos = this.buf.writeDoubleLE(value, this.pos)
  }

  /** Precomputed bytes as they are, no length. */
  raw (bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.pos = this.rawAt(bytes, this.pos)
  }

  /** Copies `bytes` to `at` (room already made) and returns the position after them. */
  rawAt (bytes: Uint8Array, at: number): number {
    const count = bytes.length
    if (count <= COPY_LOOP_MAX_BYTES) {
      const buf = this.buf
      for (let i = 0; i < count; i++) buf[at + i] = bytes[i]
    } else {
      this.buf.set(bytes, at)
    }
    return at + count
  }

  /** A length-delimited bytes field's value. */
  bytes (bytes: Uint8Array): void {
    this.ensure(10 + bytes.length)
    this.pos = this.rawAt(bytes, this.varintAt(this.pos, bytes.length))
  }

  /** A length-delimited string field's value, in UTF-8. */
  string (text: string): void {
    const at = this.pos
    const reserved = varintSize(text.length)
    const count = this.utf8At(text, at + reserved)
    const size = count === text.length ? reserved : varintSize(count)
    if (size !== reserved) this.move(at + reserved, at + reserved + count, size - reserved)
    this.varintAt(at, count)
    this.pos = at + size + count
  }

  /**
   * Writes the UTF-8 of `text` at `at`, making room for it, and returns its byte count; `pos` stays.
   * Lone surrogates become U+FFFD, as TextEncoder makes them.
   */
  utf8At (text: string, at: number): number {
    const length = text.length
    this.ensureEnd(at + length * 3)
    if (length <= ASCII_LOOP_MAX_CHARS) {
      const buf = this.buf
      let i = 0
      while (i < length) {
        const code = text.charCodeAt(i)
        if (code > 0x7f) break
        buf[at + i] = code
        i++
      }
      if (i === length) return length
    }
    return (this.buf as unknown as NodeBufferWrites).utf8Write(text, at, length * 3)
  }

  /** Writes the base64 text of `bytes` at `at`, making room for it, and returns its length; `pos` stays. */
  base64At (bytes: Uint8Array, at: number): number {
    const length = base64Length(bytes.length)
    this.ensureEnd(at + length)
    if (bytes.length > BASE64_LOOP_MAX_BYTES) {
      const source = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      return (this.buf as unknown as NodeBufferWrites).latin1Write(source.toString('base64'), at, length)
    }
    const buf = this.buf
    const whole = bytes.length - (bytes.length % 3)
    let i = 0
    for (; i < whole; i += 3) {
      const group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
      buf[at++] = BASE64_DIGITS[group >>> 18]
      buf[at++] = BASE64_DIGITS[(group >>> 12) & 0x3f]
      buf[at++] = BASE64_DIGITS[(group >>> 6) & 0x3f]
      buf[at++] = BASE64_DIGITS[group & 0x3f]
    }
    if (i < bytes.length) {
      const two = i + 1 < bytes.length
      const group = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0)
      buf[at++] = BASE64_DIGITS[group >>> 18]
      buf[at++] = BASE64_DIGITS[(group >>> 12) & 0x3f]
      buf[at++] = two ? BASE64_DIGITS[(group >>> 6) & 0x3f] : BASE64_PAD
      buf[at] = BASE64_PAD
    }
    return length
  }

  /** Moves the bytes from `from` to `end` by `delta` (either way), making room first. */
  move (from: number, end: number, delta: number): void {
    if (delta > 0) this.ensureEnd(end + delta)
    this.buf.copyWithin(from + delta, from, end)
  }

  /**
   * Starts a length-delimited value: reserves `reserve` bytes for its length, the size the caller
   * expects it to need. Returns where the length goes, for `end`.
   */
  begin (reserve: number): number {
    this.ensure(reserve)
    const at = this.pos
    this.pos += reserve
    return at
  }

  /** Writes the length of what followed `begin`, moving it when the varint is not `reserve` bytes long. */
  end (at: number, reserve: number): void {
    const length = this.pos - at - reserve
    const size = varintSize(length)
    if (size !== reserve) {
      this.move(at + reserve, this.pos, size - reserve)
      this.pos += size - reserve
    }
    this.varintAt(at, length)
  }
}
