// Bytes to text, in the body's charset.

const isUtf8Charset = (charset: string | undefined): boolean => charset === undefined || charset === 'utf-8' || charset === 'utf8'

/** The text of `bytes` in `charset` (UTF-8 when absent or unknown); bad sequences become U+FFFD, a BOM is dropped. */
export function decodeText (bytes: Buffer, charset: string | undefined): string {
  let text: string | undefined
  if (!isUtf8Charset(charset)) {
    try {
      text = new TextDecoder(charset).decode(bytes)
    } catch {
      // A label TextDecoder does not know: read as UTF-8, the web's default.
    }
  }
  text ??= bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/**
 * As much of the text of `bytes` as a JSON string of `maxBytes` can hold, decoded from a bounded part of
 * UTF-8 bytes, cut between characters.
 */
export function decodeTextPrefix (bytes: Buffer, charset: string | undefined, maxBytes: number): string {
  // Every byte of text takes at least one in the JSON string, but for a BOM's three, which take none.
  let end = maxBytes + 3
  if (!isUtf8Charset(charset) || bytes.length <= end) return decodeText(bytes, charset)
  // The first byte left out must not continue a kept character.
  for (let back = 0; back < 3 && end > 0 && (bytes[end] & 0xc0) === 0x80; back++) end--
  return decodeText(bytes.subarray(0, end), charset)
}
