// A protobuf wire-format reader: what the local collector decodes export requests with, and what the
// exporter reads the collector's answers with. Bounds-checked, no protobuf library or .proto files.

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LEN = 2
export const WIRE_START_GROUP = 3
export const WIRE_END_GROUP = 4
export const WIRE_FIXED32 = 5

/** Thrown for bytes that are not a well-formed protobuf message. */
export class OtlpDecodeError extends Error {
  constructor (message: string) {
    super(`OTLP decode: ${message}`)
    this.name = 'OtlpDecodeError'
  }
}

/** A cursor over one message's bytes; every read is bounds-checked against `end`. */
export class Reader {
  pos: number

  constructor (readonly buf: Buffer, start = 0, readonly end = buf.length) {
    this.pos = start
  }

  done (): boolean {
    return this.pos >= this.end
  }

  private need (n: number): void {
    if (this.pos + n > this.end) throw new OtlpDecodeError(`truncated message at byte ${this.pos}`)
  }

  /** A varint that must fit in a JS number (tags, lengths, counts, enums). */
  uint (): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      this.need(1)
      const byte = this.buf[this.pos++]
      result += (byte & 0x7f) * scale // multiply, not shift: shifts are 32-bit in JS
      if (byte < 0x80) {
        if (!Number.isSafeInteger(result)) throw new OtlpDecodeError('varint too large')
        return result
      }
      scale *= 128
    }
    throw new OtlpDecodeError('varint longer than 10 bytes')
  }

  /** A full 64-bit varint, unsigned. */
  varint64 (): bigint {
    let result = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      this.need(1)
      const byte = this.buf[this.pos++]
      result |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return BigInt.asUintN(64, result)
      shift += 7n
    }
    throw new OtlpDecodeError('varint longer than 10 bytes')
  }

  /** int64 is plain two's complement in a varint (negative values take 10 bytes), not zigzag. */
  int64 (): bigint {
    return BigInt.asIntN(64, this.varint64())
  }

  /** int32 and enums: negative values are sign-extended to 64 bits on the wire. */
  int32 (): number {
    return Number(BigInt.asIntN(32, this.varint64()))
  }

  bool (): boolean {
    return this.varint64() !== 0n
  }

  fixed64 (): bigint {
    this.need(8)
    const value = this.buf.readBigUInt64LE(this.pos)
    this.pos += 8
    return value
  }

  fixed32 (): number {
    this.need(4)
    const value = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return value
  }

  double (): number {
    this.need(8)
    const value = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return value
  }

  /** The extent of a length-delimited field, as a sub-reader sharing the buffer (no copy). */
  sub (): Reader {
    const length = this.uint()
    this.need(length)
    const start = this.pos
    this.pos += length
    return new Reader(this.buf, start, start + length)
  }

  /** Bytes of a length-delimited field, copied so a kept value does not pin the whole request. */
  bytes (): Buffer {
    const r = this.sub()
    return Buffer.from(r.buf.subarray(r.pos, r.end))
  }

  string (): string {
    const r = this.sub()
    return r.buf.toString('utf8', r.pos, r.end)
  }

  hex (): string {
    const r = this.sub()
    return r.buf.toString('hex', r.pos, r.end)
  }

  /** Reads the next field key; field 0 is never valid in protobuf. */
  tag (): { field: number, wire: number } {
    const key = this.uint()
    const field = Math.floor(key / 8)
    if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${this.pos}`)
    return { field, wire: key % 8 }
  }

  /** Skips one field's value of the given wire type (used for fields this decoder does not know). */
  skip (wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint64(); return
      case WIRE_FIXED64: this.need(8); this.pos += 8; return
      case WIRE_LEN: this.sub(); return
      case WIRE_FIXED32: this.need(4); this.pos += 4; return
      case WIRE_START_GROUP: this.skipGroup(field); return
      default: throw new OtlpDecodeError(`unexpected wire type ${wire} for field ${field}`)
    }
  }

  // Deprecated proto2 groups: skip nested fields up to the END_GROUP with the same field number.
  private skipGroup (field: number): void {
    for (;;) {
      if (this.done()) throw new OtlpDecodeError(`unterminated group ${field}`)
      const t = this.tag()
      if (t.wire === WIRE_END_GROUP) {
        if (t.field !== field) throw new OtlpDecodeError(`mismatched end of group ${t.field}`)
        return
      }
      this.skip(t.wire, t.field)
    }
  }
}

/** field number → [expected wire type, how to read the value] */
type FieldTable = Record<number, [number, (r: Reader) => void]>

/**
 * Reads every field of a message: known fields with the expected wire type go to their handler,
 * anything else (unknown field, or a wire type this schema does not use) is skipped.
 */
export function readFields (r: Reader, table: FieldTable): void {
  while (!r.done()) {
    const { field, wire } = r.tag()
    if (wire === WIRE_END_GROUP) throw new OtlpDecodeError(`unexpected end of group ${field}`)
    const entry = table[field]
    if (entry !== undefined && entry[0] === wire) entry[1](r)
    else r.skip(wire, field)
  }
}

/** An int64 as a number while that is exact, else the bigint itself. */
export function safeNumber (n: bigint): number | bigint {
  const asNumber = Number(n)
  return Number.isSafeInteger(asNumber) ? asNumber : n
}
