/**
 * A copy of the start of a body as its chunks go by, up to `limit` bytes: what a span may record of a
 * body the monitor sees only in passing. The chunks themselves are never changed nor kept.
 */
export class BodyCopy {
  private readonly chunks: Buffer[] = []
  private size = 0
  /** Set once a chunk was cut to fit: later chunks would leave a gap. */
  private full = false
  /** Set once a chunk could not be read as bytes: the copy is then not the body. */
  private unreadable = false

  constructor (private readonly limit: number) {}

  /** Copies what fits of `chunk` (a string in `encoding`, or bytes); never throws. */
  add (chunk: unknown, encoding?: unknown): void {
    if (this.full || this.unreadable) return
    try {
      const room = this.limit - this.size
      let bytes: Buffer
      if (typeof chunk === 'string') {
        // A character is at least half a byte (hex): past `room` characters, nothing more is needed.
        if (chunk.length > 2 * room) this.full = true
        bytes = Buffer.from(this.full ? chunk.slice(0, 2 * room) : chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8')
      } else if (chunk instanceof Uint8Array) {
        bytes = Buffer.copyBytesFrom(chunk, 0, Math.min(chunk.byteLength, room))
        if (chunk.byteLength > room) this.full = true
      } else {
        this.unreadable = true
        return
      }
      if (bytes.length >= room) {
        this.full = true
        bytes = bytes.subarray(0, room)
      }
      this.chunks.push(bytes)
      this.size += bytes.length
    } catch {
      this.unreadable = true
    }
  }

  /** The bytes copied; undefined when none were, or a chunk could not be read. */
  bytes (): Buffer | undefined {
    if (this.unreadable || this.size === 0) return undefined
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size)
  }
}
