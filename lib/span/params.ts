import { containsSecret } from '../redaction/secrets'
import { REDACTED } from './names'

const EMPTY_JSON_OBJECT = '{}'
const WITHHELD = [REDACTED]

/** Query parameters whose values are credentials on every API, by lower-case name. */
export const ALWAYS_REDACTED_QUERY_PARAMS = [
  'token', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apikey', 'key', 'password', 'passwd',
  'secret', 'client_secret', 'code', 'signature', 'sig', 'x-amz-signature', 'x-amz-credential',
  'x-amz-security-token', 'x-goog-signature', 'awsaccesskeyid'
]

/** A query value as the span shows it: the marker when it looks like a secret and `secrets` is on. */
function shown (value: string, secrets: boolean): string {
  return secrets && containsSecret(value) ? REDACTED : value
}

/**
 * `{"q":["1","2"]}`: every query value as an array of strings, whatever shape the parser gave; values
 * of redacted names, and with `secrets` values that look like secrets, withheld.
 */
export function queryParamsJson (query: unknown, redact: ReadonlySet<string>, secrets: boolean): string {
  if (typeof query !== 'object' || query === null) return EMPTY_JSON_OBJECT
  let out: Record<string, string[]> | undefined
  for (const key in query) {
    const value = (query as Record<string, unknown>)[key]
    if (value === undefined) continue
    out ??= {}
    out[key] = redact.has(key.toLowerCase())
      ? WITHHELD
      : Array.isArray(value)
        ? value.map((item) => shown(String(item), secrets))
        : [shown(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), secrets)]
  }
  return out === undefined ? EMPTY_JSON_OBJECT : JSON.stringify(out)
}

/** Query parameters of a URL search string, in the same form as `queryParamsJson`. */
export function searchParamsJson (search: string, redact: ReadonlySet<string>, secrets: boolean): string {
  if (search === '' || search === '?') return EMPTY_JSON_OBJECT
  const out: Record<string, string[]> = {}
  new URLSearchParams(search).forEach((value, key) => {
    if (redact.has(key.toLowerCase())) out[key] = WITHHELD
    else (out[key] ??= []).push(shown(value, secrets))
  })
  return JSON.stringify(out)
}

/** A query name or value as the app reads it; as it is when it is not valid percent-encoding. */
function decodeName (raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/** Where the query starts: at the first `?`, or `;` for apps that read it as one (useSemicolonDelimiter). */
function queryStart (target: string): number {
  const question = target.indexOf('?')
  const semicolon = target.indexOf(';')
  return semicolon < 0 || (question >= 0 && question < semicolon) ? question : semicolon
}

/**
 * A path plus query with the values of redacted parameters replaced by the marker; the rest as sent.
 * Parameters are cut at `&`, and at `;` and `?` too, so a credential is redacted whichever way the app
 * splits its query. With `secrets`, a value that looks like a secret once decoded is withheld too.
 */
export function redactTarget (target: string, redact: ReadonlySet<string>, secrets: boolean): string {
  const query = queryStart(target)
  if (query < 0) return target
  const parts = target.slice(query + 1).split(/([&;?])/)
  let changed = false
  // Even indexes are parameters, odd ones the delimiters between them.
  for (let i = 0; i < parts.length; i += 2) {
    const eq = parts[i].indexOf('=')
    const name = eq < 0 ? parts[i] : parts[i].slice(0, eq)
    if ((name !== '' && redact.has(decodeName(name).toLowerCase())) || (secrets && eq >= 0 && containsSecret(decodeName(parts[i].slice(eq + 1))))) {
      parts[i] = `${name}=${REDACTED}`
      changed = true
    }
  }
  return changed ? `${target.slice(0, query + 1)}${parts.join('')}` : target
}

export function pathParamsJson (params: unknown): string {
  if (typeof params !== 'object' || params === null) return EMPTY_JSON_OBJECT
  for (const _ in params) return JSON.stringify(params)
  return EMPTY_JSON_OBJECT
}

/** `{"id":"42"}` for wildcard `/items/:id` and path `/items/42`; `{}` when they do not line up. */
export function wildcardParams (wildcard: string, pathname: string): string {
  if (!wildcard.includes(':')) return EMPTY_JSON_OBJECT
  const names = wildcard.split('/')
  const values = pathname.split('/')
  if (names.length !== values.length) return EMPTY_JSON_OBJECT
  const params: Record<string, string> = {}
  names.forEach((name, i) => {
    if (name.startsWith(':') && name.length > 1) params[name.slice(1)] = safeDecode(values[i])
  })
  return pathParamsJson(params)
}

function safeDecode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The host name of a Host header value, as Fastify's `request.hostname` gives it, without its array. */
export function hostnameOf (host: string): string {
  if (host[0] === '[') return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}
