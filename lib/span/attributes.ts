import type { Attributes } from '@opentelemetry/api'
import type { ErrorObject } from './errors'
import {
  addHeaderAttributes, countHeaders, REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX, type HeaderBag
} from './headers'

export const SPAN_NAME = 'apitoolkit-http-span'
export const SDK_TYPE_INCOMING = 'JsFastify'
export const SDK_TYPE_OUTGOING = 'JsOutgoing'

/** One request/response exchange, incoming or outgoing, as the APItoolkit span describes it. */
export interface Exchange {
  hostName: string
  msgId: string
  parentId: string
  sdkType: string
  route: string
  target: string
  method: string
  status: number
  queryParams: string
  pathParams: string
  requestBody: string
  responseBody: string
  errors: readonly ErrorObject[]
  requestHeaders: HeaderBag
  responseHeaders: HeaderBag
}

/** What stays the same for every span of one plugin instance. */
export interface SpanSettings {
  serviceVersion: string
  tags: string[]
  redactHeaders: ReadonlySet<string>
  /** Most attributes a span keeps; header attributes give way first. */
  attributeLimit: number
}

/** How many attributes `buildAttributes` always sets before the headers. */
export const FIXED_ATTRIBUTE_COUNT = 15

const EMPTY_JSON_OBJECT = '{}'
const EMPTY_JSON_ARRAY = '[]'

/** The attributes of an APItoolkit span, built as one object so the span gets one `setAttributes` call. */
export function buildAttributes (x: Exchange, settings: SpanSettings): Attributes {
  const attributes: Attributes = {
    'net.host.name': x.hostName,
    'apitoolkit.msg_id': x.msgId,
    'http.route': x.route,
    'http.target': x.target,
    'http.request.method': x.method,
    'http.response.status_code': x.status,
    'http.request.query_params': x.queryParams,
    'http.request.path_params': x.pathParams,
    'apitoolkit.sdk_type': x.sdkType,
    'apitoolkit.parent_id': x.parentId,
    'http.request.body': x.requestBody,
    'http.response.body': x.responseBody,
    'apitoolkit.errors': x.errors.length === 0 ? EMPTY_JSON_ARRAY : JSON.stringify(x.errors),
    'apitoolkit.service_version': settings.serviceVersion,
    'apitoolkit.tags': settings.tags
  }
  const budget = settings.attributeLimit - FIXED_ATTRIBUTE_COUNT
  const requestCount = countHeaders(x.requestHeaders)
  const responseCount = countHeaders(x.responseHeaders)
  // Share the budget: neither direction's headers may crowd out all of the other's.
  const responseShare = Math.min(responseCount, Math.max(budget - requestCount, Math.floor(budget / 2)))
  const added = addHeaderAttributes(attributes, REQUEST_HEADER_PREFIX, x.requestHeaders, settings.redactHeaders, budget - responseShare)
  addHeaderAttributes(attributes, RESPONSE_HEADER_PREFIX, x.responseHeaders, settings.redactHeaders, budget - added)
  return attributes
}

/** `{"q":["1","2"]}`: every query value as an array of strings, whatever shape the parser gave. */
export function queryParamsJson (query: unknown): string {
  if (typeof query !== 'object' || query === null) return EMPTY_JSON_OBJECT
  let out: Record<string, string[]> | undefined
  for (const key in query) {
    const value = (query as Record<string, unknown>)[key]
    if (value === undefined) continue
    out ??= {}
    out[key] = Array.isArray(value) ? value.map(String) : [typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)]
  }
  return out === undefined ? EMPTY_JSON_OBJECT : JSON.stringify(out)
}

/** Query parameters of a URL search string, in the same form as `queryParamsJson`. */
export function searchParamsJson (search: string): string {
  if (search === '' || search === '?') return EMPTY_JSON_OBJECT
  const out: Record<string, string[]> = {}
  new URLSearchParams(search).forEach((value, key) => { (out[key] ??= []).push(value) })
  return JSON.stringify(out)
}

export function pathParamsJson (params: unknown): string {
  if (typeof params !== 'object' || params === null) return EMPTY_JSON_OBJECT
  for (const _ in params) return JSON.stringify(params)
  return EMPTY_JSON_OBJECT
}
