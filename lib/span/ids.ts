import { randomFillSync } from 'node:crypto'

// One randomFillSync per POOL_SIZE bytes instead of one call per id: ids are taken on every request.
const POOL_SIZE = 8192
let pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE))
let offset = 0

/** `size` fresh random bytes: a view of the pool, which is never written again once handed out. */
export function randomBytes (size: number): Buffer {
  if (offset + size > POOL_SIZE) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE))
    offset = 0
  }
  const bytes = pool.subarray(offset, offset + size)
  offset += size
  return bytes
}

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'))

/** A random UUID v4 in its usual text form, from the same pool. */
export function randomUuid (): string {
  const b = randomBytes(16)
  let out = ''
  for (let i = 0; i < 16; i++) {
    let byte = b[i]
    if (i === 6) byte = (byte & 0x0f) | 0x40
    else if (i === 8) byte = (byte & 0x3f) | 0x80
    out += HEX[byte]
    if (i === 3 || i === 5 || i === 7 || i === 9) out += '-'
  }
  return out
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

export function toHex (id: Buffer): string {
  let out = ''
  for (let i = 0; i < id.length; i++) out += HEX[id[i]]
  return out
}
