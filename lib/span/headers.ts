import { attributeKey, encodeSpanAttribute, type AttributeKey, type AttributeList, type EncodedAttribute } from '../export/otlp-encoder'

/** An attribute list being built. */
type Attributes = Array<AttributeList[number]>
import { containsSecret } from '../redaction/secrets'
import { REDACTED, REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX } from './names'

/** Redacted whatever the options say: they carry credentials on every API. */
export const ALWAYS_REDACTED_HEADERS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-access-token',
  'x-csrf-token', 'x-xsrf-token', 'x-amz-security-token'
]
// Names that say they carry a credential, whatever the rest of the name.
const SECRET_NAME_PARTS = ['secret', 'password', 'token', 'api-key', 'apikey']

export type HeaderValue = string | number | readonly string[] | undefined
export type HeaderBag = Record<string, HeaderValue>

interface HeaderName {
  key: AttributeKey
  lower: string
  /** Redacted by its name's shape, whatever the lists say. */
  secretShaped: boolean
  /** The attribute with the marker, encoded once. */
  redacted: EncodedAttribute | undefined
  /** The value last seen, and its attribute once the same value came twice in a row (host, accept…). */
  lastValue: string | undefined
  lastAttribute: EncodedAttribute | undefined
  /** Whether the value last seen looks like a secret; undefined until asked. */
  lastSecret: boolean | undefined
}

const COLON = 58

// Header names repeat on every request: their attribute keys are encoded once.
const MAX_CACHED_NAMES = 1024
const requestNames = new Map<string, HeaderName>()
const responseNames = new Map<string, HeaderName>()

function headerName (cache: Map<string, HeaderName>, prefix: string, name: string): HeaderName {
  let entry = cache.get(name)
  if (entry === undefined) {
    const lower = name.toLowerCase()
    entry = {
      key: attributeKey(prefix + lower),
      lower,
      secretShaped: SECRET_NAME_PARTS.some((part) => lower.includes(part)),
      redacted: undefined,
      lastValue: undefined,
      lastAttribute: undefined,
      lastSecret: undefined
    }
    if (cache.size < MAX_CACHED_NAMES) cache.set(name, entry)
  }
  return entry
}

export function isRedactedHeader (name: string, redact: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase()
  return redact.has(lower) || SECRET_NAME_PARTS.some((part) => lower.includes(part))
}

/** A header's value as one string: several values joined with `,`. */
export function headerText (value: string | number | readonly string[]): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : String(value)
}

function push (out: Attributes, cache: Map<string, HeaderName>, prefix: string, headers: HeaderBag, redact: ReadonlySet<string>, secrets: boolean): void {
  for (const name in headers) {
    const value = headers[name]
    // HTTP/2 pseudo-headers (`:path` carries the query in clear) are not headers the span reports.
    if (value === undefined || name.charCodeAt(0) === COLON) continue
    const entry = headerName(cache, prefix, name)
    if (entry.secretShaped || redact.has(entry.lower)) {
      out.push(entry.redacted ??= encodeSpanAttribute(entry.key, REDACTED), null)
      continue
    }
    const text = headerText(value)
    const repeated = text === entry.lastValue
    if (!repeated) {
      entry.lastValue = text
      entry.lastAttribute = undefined
      entry.lastSecret = undefined
    }
    // A value repeated from the last request was already scanned: only a new one is.
    if (secrets && (entry.lastSecret ??= containsSecret(text))) {
      out.push(entry.redacted ??= encodeSpanAttribute(entry.key, REDACTED), null)
    } else if (repeated) {
      out.push(entry.lastAttribute ??= encodeSpanAttribute(entry.key, text), null)
    } else {
      out.push(entry.key, text)
    }
  }
}

/** One attribute per request header, lower-case name, redacted by name and, with `secrets`, by value. */
export function pushRequestHeaders (out: Attributes, headers: HeaderBag, redact: ReadonlySet<string>, secrets: boolean): void {
  push(out, requestNames, REQUEST_HEADER_PREFIX, headers, redact, secrets)
}

export function pushResponseHeaders (out: Attributes, headers: HeaderBag, redact: ReadonlySet<string>, secrets: boolean): void {
  push(out, responseNames, RESPONSE_HEADER_PREFIX, headers, redact, secrets)
}

/** A fetch `Headers` as the plain bag the attribute builder reads. */
export function headersToBag (headers: Headers): HeaderBag {
  const bag: Record<string, string> = {}
  headers.forEach((value, name) => { bag[name] = value })
  // fetch joins repeated Set-Cookie with ', '; keep them apart as separate values.
  const cookies = headers.getSetCookie()
  if (cookies.length > 0) bag['set-cookie'] = cookies.join(',')
  return bag
}

/** The values of the headers that are redacted, so no other attribute can carry them out. */
export function redactedHeaderValues (request: HeaderBag, response: HeaderBag, redact: ReadonlySet<string>): Set<string> {
  const values = new Set<string>()
  for (const headers of [request, response]) {
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined && isRedactedHeader(name, redact)) values.add(headerText(value))
    }
  }
  return values
}
