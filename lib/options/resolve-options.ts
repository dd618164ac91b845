import type { ApitoolkitOptions } from '../../types/index'
import { compileUrlWildcards, UrlWildcardError, type UrlWildcards } from '../outgoing/url-wildcards'
import { policyOf, ROUTE_OPTION_KINDS, type CaptureMode, type CapturePolicy } from '../policy/capture-policy'
import type { RedactionPlan } from '../redaction'
import { ALWAYS_REDACTED_HEADERS } from '../span/headers'
import { ALWAYS_REDACTED_QUERY_PARAMS } from '../span/params'
import { ApitoolkitOptionsError, checkOptions, compilePaths, show, type Kind } from './option-checks'

export { ApitoolkitOptionsError }

export const DEFAULT_OTLP_ENDPOINT = 'http://otelcol.apitoolkit.io:4317'
export const DEFAULT_MAX_BODY_BYTES = 65536
export const DEFAULT_MAX_QUEUE_SIZE = 2048
export const DEFAULT_SLOW_REQUEST_MS = 1000
// Spans with 64 KiB bodies are about 180 KB each: this keeps a stalled collector's backlog near 32 MiB.
export const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024

/** The options as the plugin uses them: checked, defaulted, paths compiled. */
export interface ResolvedOptions {
  apiKey: string | undefined
  serviceName: string
  serviceVersion: string
  tags: string[]
  debug: boolean
  captureRequestBody: CaptureMode
  captureResponseBody: CaptureMode
  /** Lower-case names: the defaults plus `redactHeaders`. */
  redactHeaders: ReadonlySet<string>
  /** Lower-case names: the defaults plus `redactQueryParams`. */
  redactQueryParams: ReadonlySet<string>
  redactRequestBody: string[]
  redactResponseBody: string[]
  requestPlan: RedactionPlan
  responsePlan: RedactionPlan
  redactSecrets: boolean
  sampleRate: number
  slowRequestMs: number
  correlateLogs: boolean
  /** What every route captures and keeps unless its own config says otherwise. */
  policy: CapturePolicy
  otlpEndpoint: string
  maxBodyBytes: number
  monitorOutgoing: boolean
  /** Route templates outgoing calls are filed under when no `urlWildcard` is given. */
  outgoingWildcards: UrlWildcards
  ignoreRoutes: ReadonlySet<string>
  maxQueueSize: number
  maxQueueBytes: number
}

const OPTION_KINDS: Record<keyof ApitoolkitOptions, Kind> = {
  ...ROUTE_OPTION_KINDS,
  apiKey: 'string',
  serviceName: 'string',
  serviceVersion: 'string',
  tags: 'string[]',
  debug: 'boolean',
  redactSecrets: 'boolean',
  slowRequestMs: 'milliseconds',
  correlateLogs: 'boolean',
  otlpEndpoint: 'string',
  maxBodyBytes: 'positive integer',
  monitorOutgoing: 'boolean',
  outgoingWildcards: 'string[]',
  ignoreRoutes: 'string[]',
  maxQueueSize: 'positive integer',
  maxQueueBytes: 'positive integer'
}

// Fastify passes its own register options to the plugin along with ours.
const FASTIFY_REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers'])

function wildcards (templates: string[]): UrlWildcards {
  try {
    return compileUrlWildcards(templates)
  } catch (err) {
    if (err instanceof UrlWildcardError) throw new ApitoolkitOptionsError(`option outgoingWildcards[${err.index}]: ${err.message}`)
    throw err
  }
}

/**
 * The exporter's endpoint, from the option or the standard variables. It must name its scheme: without
 * one the transport would assume TLS, and a plain-text collector would fail with a TLS error much later.
 */
function endpointFrom (given: string | undefined, env: NodeJS.ProcessEnv): string {
  const sources: Array<[string, string | undefined]> = [
    ['option otlpEndpoint', given],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT]
  ]
  // An empty variable is unset, as OpenTelemetry reads it.
  const [source, endpoint] = sources.find(([name, value]) => value !== undefined && (value !== '' || name.startsWith('option'))) ?? ['', DEFAULT_OTLP_ENDPOINT]
  const url = endpoint as string
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new ApitoolkitOptionsError(`${source} must be a URL starting with http:// or https://, such as http://127.0.0.1:4317, got ${show(url)}`)
  }
  return url
}

/** Checks everything once at register time, so nothing is checked per request. */
export function resolveOptions (raw: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (raw === undefined || raw === null) raw = {}
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ApitoolkitOptionsError(`options must be an object, got ${show(raw)}`)
  }
  const given = raw as Record<string, unknown>
  checkOptions(given, OPTION_KINDS, '', FASTIFY_REGISTER_OPTIONS)
  const o = given as ApitoolkitOptions
  const redactRequestBody = [...(o.redactRequestBody ?? [])]
  const redactResponseBody = [...(o.redactResponseBody ?? [])]
  const redactSecrets = o.redactSecrets ?? true
  const requestPlan = compilePaths('redactRequestBody', redactRequestBody, redactSecrets)
  const responsePlan = compilePaths('redactResponseBody', redactResponseBody, redactSecrets)
  const capture = {
    captureRequestBody: o.captureRequestBody ?? false,
    captureResponseBody: o.captureResponseBody ?? false,
    sampleRate: o.sampleRate ?? 1
  }
  const serviceVersion = o.serviceVersion ?? ''
  const tags = [...(o.tags ?? [])]
  const redactHeaders = new Set([...ALWAYS_REDACTED_HEADERS, ...(o.redactHeaders ?? []).map((h) => h.toLowerCase())])
  const redactQueryParams = new Set([...ALWAYS_REDACTED_QUERY_PARAMS, ...(o.redactQueryParams ?? []).map((q) => q.toLowerCase())])
  return {
    apiKey: o.apiKey,
    serviceName: o.serviceName ?? env.OTEL_SERVICE_NAME ?? '',
    serviceVersion,
    tags,
    debug: o.debug ?? false,
    ...capture,
    redactHeaders,
    redactQueryParams,
    redactRequestBody,
    redactResponseBody,
    requestPlan,
    responsePlan,
    redactSecrets,
    slowRequestMs: o.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS,
    correlateLogs: o.correlateLogs ?? false,
    policy: policyOf(capture, redactRequestBody, requestPlan, redactResponseBody, responsePlan, {
      serviceVersion, tags, redactHeaders, redactQueryParams, redactSecrets
    }),
    otlpEndpoint: endpointFrom(o.otlpEndpoint, env),
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    monitorOutgoing: o.monitorOutgoing ?? false,
    outgoingWildcards: wildcards(o.outgoingWildcards ?? []),
    ignoreRoutes: new Set(o.ignoreRoutes ?? []),
    maxQueueSize: o.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE,
    maxQueueBytes: o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
  }
}
