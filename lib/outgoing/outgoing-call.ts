import type { ApitoolkitSpan } from '../span/apitoolkit-span'
import type { HeaderBag } from '../span/headers'
import { STATUS_BAD_GATEWAY, STATUS_CLIENT_CLOSED, STATUS_GATEWAY_TIMEOUT } from '../span/names'
import { pathParamsJson, redactTarget, searchParamsJson, wildcardParams } from '../span/params'
import type { OutgoingParent } from './outgoing-parent'

/** What is known about an outgoing call when it starts. */
export interface OutgoingRequest {
  url: URL
  method: string
  /** `urlWildcard`, or undefined for the URL path. */
  urlWildcard: string | undefined
  requestHeaders: HeaderBag
  /** A redacted JSON document, or undefined when not captured. */
  requestBody: Buffer | undefined
}

/** How an outgoing call ended. */
export interface OutgoingResult {
  status: number
  responseHeaders: HeaderBag
  responseBody: Buffer | undefined
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ESOCKETTIMEDOUT'])
// undici reports a request its caller aborted with this plain Error, whatever reason the caller gave.
const UNDICI_ABORTED = 'The operation was aborted.'

function isTimeout (error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name, code } = error as { name?: unknown, code?: unknown }
  return name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code)) ||
    // axios's own timeout (ETIMEDOUT only with its clarifyTimeoutError setting).
    (name === 'AxiosError' && code === 'ECONNABORTED')
}

function isAbort (error: { name?: unknown, code?: unknown, message?: unknown }): boolean {
  // ERR_CANCELED: axios's CanceledError, for a signal or cancel token.
  return error.name === 'AbortError' || error.code === 'UND_ERR_ABORTED' || error.code === 'ERR_CANCELED' || error.message === UNDICI_ABORTED
}

/**
 * The status a call that got no response is recorded with: aborted by the caller (its `signal`, when
 * known, says so whatever reason it gave), timed out, or failed.
 */
export function noResponseStatus (error: unknown, signal?: AbortSignal | null): number {
  if (signal?.aborted === true) return isTimeout(signal.reason) ? STATUS_GATEWAY_TIMEOUT : STATUS_CLIENT_CLOSED
  // fetch wraps the cause (`TypeError: fetch failed`); look down the chain.
  for (let link = error, depth = 0; typeof link === 'object' && link !== null && depth < 10; depth++) {
    // node:http aborts a request whose signal fired with an AbortError caused by the signal's reason.
    if (isAbort(link)) return isTimeout((link as { cause?: unknown }).cause) ? STATUS_GATEWAY_TIMEOUT : STATUS_CLIENT_CLOSED
    if (isTimeout(link)) return STATUS_GATEWAY_TIMEOUT
    link = (link as { cause?: unknown }).cause
  }
  return STATUS_BAD_GATEWAY
}

/**
 * For the monitors, which see the error and not the caller's signal: a client's own failures carry a
 * code (ECONNREFUSED, UND_ERR_SOCKET…), so an error without one is the reason the caller aborted with.
 */
export function monitoredStatus (error: unknown): number {
  const status = noResponseStatus(error)
  const code = (error as { code?: unknown } | undefined)?.code
  return status === STATUS_BAD_GATEWAY && typeof code !== 'string' ? STATUS_CLIENT_CLOSED : status
}

/** Ends an outgoing call's span with every attribute, the way incoming spans end. */
export function endOutgoingSpan (
  span: ApitoolkitSpan, parent: OutgoingParent, req: OutgoingRequest, res: OutgoingResult, redactHeaders: ReadonlySet<string>
): void {
  const { url } = req
  const { settings, options } = parent.plugin
  const wildcard = req.urlWildcard ?? options.outgoingWildcards.match(url.pathname)
  span.end({
    hostName: url.host,
    route: wildcard ?? url.pathname,
    target: redactTarget(url.pathname + url.search, settings.redactQueryParams, settings.redactSecrets),
    method: req.method,
    status: res.status,
    queryParams: searchParamsJson(url.search, settings.redactQueryParams, settings.redactSecrets),
    pathParams: wildcard === undefined ? pathParamsJson(undefined) : wildcardParams(wildcard, url.pathname),
    requestBody: req.requestBody,
    responseBody: res.responseBody,
    requestHeaders: req.requestHeaders,
    responseHeaders: res.responseHeaders
  }, redactHeaders === settings.redactHeaders ? settings : { ...settings, redactHeaders }, parent.outgoingSink)
}
