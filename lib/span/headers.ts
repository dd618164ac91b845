import type { Attributes } from '@opentelemetry/api'
import { REDACTED } from './names'

/** Redacted whatever the options say: they carry credentials on every API. */
export const ALWAYS_REDACTED_HEADERS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization']

export type HeaderValue = string | number | readonly string[] | undefined
export type HeaderBag = Record<string, HeaderValue>

export const REQUEST_HEADER_PREFIX = 'http.request.header.'
export const RESPONSE_HEADER_PREFIX = 'http.response.header.'

// Header names repeat on every request: keep the prefixed attribute keys instead of concatenating anew.
const MAX_CACHED_KEYS = 1024
interface HeaderKey { key: string, lower: string }
const keyCaches = new Map<string, Map<string, HeaderKey>>()

function keyCacheFor (prefix: string): Map<string, HeaderKey> {
  let cache = keyCaches.get(prefix)
  if (cache === undefined) {
    cache = new Map()
    keyCaches.set(prefix, cache)
  }
  return cache
}

/**
 * Adds one attribute per header, redacted by name, at most `budget` of them, and returns how many it added.
 * Names are lower-cased; several values are joined with `,`.
 */
export function addHeaderAttributes (
  attributes: Attributes,
  prefix: string,
  headers: HeaderBag,
  redact: ReadonlySet<string>,
  budget: number
): number {
  const keys = keyCacheFor(prefix)
  let added = 0
  for (const name in headers) {
    if (added >= budget) break
    const value = headers[name]
    if (value === undefined) continue
    let cached = keys.get(name)
    if (cached === undefined) {
      const lower = name.toLowerCase()
      cached = { key: prefix + lower, lower }
      if (keys.size < MAX_CACHED_KEYS) keys.set(name, cached)
    }
    attributes[cached.key] = redact.has(cached.lower)
      ? REDACTED
      : typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : String(value)
    added++
  }
  return added
}

export function countHeaders (headers: HeaderBag): number {
  let n = 0
  for (const name in headers) if (headers[name] !== undefined) n++
  return n
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
