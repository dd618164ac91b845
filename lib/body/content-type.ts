// What a body's content type says about how to capture it.

/**
 * - json: `application/json`, `application/*+json`;
 * - form: `application/x-www-form-urlencoded`;
 * - text: `text/*`, XML and other textual types;
 * - binary: files, media, archives, multipart: never captured;
 * - unknown: no content type or one not listed: the body itself decides (JSON, else UTF-8 text, else binary).
 */
export type BodyKind = 'json' | 'form' | 'text' | 'binary' | 'unknown'

export interface BodyType {
  readonly kind: BodyKind
  /** The `charset` parameter, lower-cased. */
  readonly charset: string | undefined
}

const TEXT_TYPES = new Set([
  'application/xml', 'application/javascript', 'application/ecmascript', 'application/x-javascript',
  'application/graphql', 'application/yaml', 'application/x-yaml', 'application/x-ndjson', 'application/csv',
  'application/sql'
])

const BINARY_TYPES = new Set([
  'application/octet-stream', 'application/pdf', 'application/zip', 'application/gzip', 'application/x-gzip',
  'application/x-tar', 'application/x-7z-compressed', 'application/x-bzip2', 'application/zstd', 'application/wasm',
  'application/protobuf', 'application/x-protobuf', 'application/vnd.google.protobuf', 'application/msgpack',
  'application/x-msgpack', 'application/vnd.msgpack', 'application/cbor'
])

const BINARY_TOP_LEVELS = ['image/', 'audio/', 'video/', 'font/', 'model/', 'multipart/', 'application/grpc']

const UNKNOWN: BodyType = { kind: 'unknown', charset: undefined }

const CHARSET = /(?:^|;)\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i

function kindOf (essence: string): BodyKind {
  if (essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'))) return 'json'
  if (essence === 'application/x-www-form-urlencoded') return 'form'
  // Before the binary top levels: `image/svg+xml` is text.
  if (essence.startsWith('text/') || essence.endsWith('+xml') || TEXT_TYPES.has(essence)) return 'text'
  if (BINARY_TYPES.has(essence) || BINARY_TOP_LEVELS.some((prefix) => essence.startsWith(prefix))) return 'binary'
  return 'unknown'
}

// An API sends a handful of distinct content types: each is read once.
const MAX_CACHED_TYPES = 64
const cache = new Map<string, BodyType>()

/** Reads a Content-Type header value such as `text/plain; charset=UTF-8`. */
export function bodyType (contentType: string | undefined): BodyType {
  if (contentType === undefined) return UNKNOWN
  let type = cache.get(contentType)
  if (type === undefined) {
    type = readBodyType(contentType)
    if (cache.size < MAX_CACHED_TYPES) cache.set(contentType, type)
  }
  return type
}

function readBodyType (contentType: string): BodyType {
  const semicolon = contentType.indexOf(';')
  const essence = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  if (essence === '') return UNKNOWN
  const match = semicolon < 0 ? null : CHARSET.exec(contentType.slice(semicolon))
  const charset = match?.[1] ?? match?.[2]
  return { kind: kindOf(essence), charset: charset === undefined || charset === '' ? undefined : charset.toLowerCase() }
}

/** The content type in a header value as Node or fetch gives it (a string, a list, a number, absent). */
export function contentTypeOf (header: unknown): string | undefined {
  if (typeof header === 'string') return header
  if (Array.isArray(header) && typeof header[0] === 'string') return header[0]
  return undefined
}
