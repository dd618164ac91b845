import { randomFillSync } from 'node:crypto'

const SLAB_SIZE = 8192

/**
 * Views of 8 KiB buffers handed out in turn, each its taker's alone: the slab never writes to a buffer
 * once it handed out a view of it.
 */
class Slab {
  private buffer: Buffer
  private offset = 0

  /** `fill` readies each new buffer. */
  constructor (private readonly fill: (buffer: Buffer) => Buffer) {
    this.buffer = fill(Buffer.allocUnsafe(SLAB_SIZE))
  }

  take (size: number): Buffer {
    if (this.offset + size > SLAB_SIZE) {
      this.buffer = this.fill(Buffer.allocUnsafe(SLAB_SIZE))
      this.offset = 0
    }
    const bytes = this.buffer.subarray(this.offset, this.offset + size)
    this.offset += size
    return bytes
  }
}

// One randomFillSync per 8 KiB instead of one call per id: ids are taken on every request.
const randomPool = new Slab((buffer) => randomFillSync(buffer))
// Ids read from hex get views of a slab of their own: no random bytes are spent on them.
const parsedIds = new Slab((buffer) => buffer)

/** `size` fresh random bytes. */
export function randomBytes (size: number): Buffer {
  return randomPool.take(size)
}

const HEX: string[] = []
// Two hex digits' character codes per byte value, for writing text a byte at a time.
const HEX_CODES = new Uint8Array(512)
for (let i = 0; i < 256; i++) {
  const digits = i.toString(16).padStart(2, '0')
  HEX.push(digits)
  HEX_CODES[2 * i] = digits.charCodeAt(0)
  HEX_CODES[2 * i + 1] = digits.charCodeAt(1)
}
// A hex digit's value by character code, -1 for any other character.
const HEX_VALUES = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) {
  HEX_VALUES[i.toString(16).charCodeAt(0)] = i
  HEX_VALUES[i.toString(16).toUpperCase().charCodeAt(0)] = i
}

const UUID_LENGTH = 36
const DASH = 45
// The text is put together in bytes and read out once: one flat string instead of twenty joined pieces.
const uuidText = Buffer.alloc(UUID_LENGTH)

/** A random UUID v4 in its usual text form, from the same pool. */
export function randomUuid (): string {
  const b = randomBytes(16)
  let at = 0
  for (let i = 0; i < 16; i++) {
    let byte = b[i]
    if (i === 6) byte = (byte & 0x0f) | 0x40
    else if (i === 8) byte = (byte & 0x3f) | 0x80
    uuidText[at++] = HEX_CODES[2 * byte]
    uuidText[at++] = HEX_CODES[2 * byte + 1]
    if (i === 3 || i === 5 || i === 7 || i === 9) uuidText[at++] = DASH
  }
  return uuidText.toString('latin1', 0, UUID_LENGTH)
}

/** A trace id: 16 random bytes, never all zero (an invalid id in W3C trace context). */
export function newTraceId (): Buffer {
  const id = randomBytes(16)
  return isZero(id) ? newTraceId() : id
}

/** A span id: 8 random bytes, never all zero. */
export function newSpanId (): Buffer {
  const id = randomBytes(8)
  return isZero(id) ? newSpanId() : id
}

function isZero (id: Buffer): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false
  return true
}

/**
 * The id of `size` bytes that `text` spells in hex (either case), or undefined when it is anything else or
 * all zero (an invalid id in W3C trace context).
 */
export function idFromHex (text: unknown, size: number): Buffer | undefined {
  if (typeof text !== 'string' || text.length !== 2 * size) return undefined
  const id = parsedIds.take(size)
  let invalid = 0
  let any = 0
  for (let i = 0; i < size; i++) {
    const high = text.charCodeAt(2 * i)
    const low = text.charCodeAt(2 * i + 1)
    const highValue = HEX_VALUES[high & 0x7f]
    const lowValue = HEX_VALUES[low & 0x7f]
    // Any non-hex character makes `invalid` negative: -1 from the table, or a code past ASCII.
    invalid |= highValue | lowValue | -((high | low) >>> 7)
    const byte = (highValue << 4) | lowValue
    any |= byte
    id[i] = byte
  }
  return invalid < 0 || any === 0 ? undefined : id
}

export function toHex (id: Buffer): string {
  let out = ''
  for (let i = 0; i < id.length; i++) out += HEX[id[i]]
  return out
}
