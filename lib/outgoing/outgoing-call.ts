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
  const { name, code } = error as { name?: unknown, code?: unknown }
  return name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))
}

/**
 * The status a call that got no response is recorded with: aborted by the caller (its `signal`, when
 * known, says so whatever reason it gave), timed out, or failed.
 */
export function noResponseStatus (error: unknown, signal?: AbortSignal | null): number {
  if (signal?.aborted === true) return isTimeout(signal.reason) ? STATUS_GATEWAY_TIMEOUT : STATUS_CLIENT_CLOSED
  // fetch wraps the cause (`TypeError: fetch failed`); look down the chain.
  for (let link = error, depth = 0; typeof link === 'object' && link !== null && depth < 10; depth++) {
    const { name, code, message } = link as { name?: unknown, code?: unknown, message?: unknown }
    if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || message === UNDICI_ABORTED) return STATUS_CLIENT_CLOSED
    if (isTimeout(link)) return STATUS_GATEWAY_TIMEOUT
    link = (link as { cause?: unknown }).cause
  }
  return STATUS_BAD_GATEWAY
}

/** Ends an outgoing call's span with every attribute, the way incoming spans end. */
export function endOutgoingSpan (
  span: ApitoolkitSpan, parent: OutgoingParent, req: OutgoingRequest, res: OutgoingResult, redactHeaders: ReadonlySet<string>
): void {
  const { url } = req
  const { settings } = parent.plugin
  span.end({
    hostName: url.host,
    route: req.urlWildcard ?? url.pathname,
    target: redactTarget(url.pathname + url.search, settings.redactQueryParams),
    method: req.method,
    status: res.status,
    queryParams: searchParamsJson(url.search, settings.redactQueryParams),
    pathParams: req.urlWildcard === undefined ? pathParamsJson(undefined) : wildcardParams(req.urlWildcard, url.pathname),
    requestBody: req.requestBody,
    responseBody: res.responseBody,
    requestHeaders: req.requestHeaders,
    responseHeaders: res.responseHeaders
  }, redactHeaders === settings.redactHeaders ? settings : { ...settings, redactHeaders }, parent.outgoingSink)
}
