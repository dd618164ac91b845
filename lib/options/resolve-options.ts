import type { ApitoolkitOptions } from '../../types/index'
import { compileRedaction, RedactionPathError, type RedactionPlan } from '../redaction'
import { compileUrlWildcards, UrlWildcardError, type UrlWildcards } from '../outgoing/url-wildcards'
import { ALWAYS_REDACTED_HEADERS } from '../span/headers'
import { ALWAYS_REDACTED_QUERY_PARAMS } from '../span/params'

export const DEFAULT_OTLP_ENDPOINT = 'http://otelcol.apitoolkit.io:4317'
export const DEFAULT_MAX_BODY_BYTES = 65536
export const DEFAULT_MAX_QUEUE_SIZE = 2048
// Spans with 64 KiB bodies are about 180 KB each: this keeps a stalled collector's backlog near 32 MiB.
export const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024

/** The options as the plugin uses them: checked, defaulted, paths compiled. */
export interface ResolvedOptions {
  apiKey: string | undefined
  serviceName: string
  serviceVersion: string
  tags: string[]
  debug: boolean
  captureRequestBody: boolean
  captureResponseBody: boolean
  /** Lower-case names: the defaults plus `redactHeaders`. */
  redactHeaders: ReadonlySet<string>
  /** Lower-case names: the defaults plus `redactQueryParams`. */
  redactQueryParams: ReadonlySet<string>
  redactRequestBody: string[]
  redactResponseBody: string[]
  requestPlan: RedactionPlan
  responsePlan: RedactionPlan
  otlpEndpoint: string
  maxBodyBytes: number
  monitorOutgoing: boolean
  /** Route templates outgoing calls are filed under when no `urlWildcard` is given. */
  outgoingWildcards: UrlWildcards
  ignoreRoutes: ReadonlySet<string>
  maxQueueSize: number
  maxQueueBytes: number
}

export class ApitoolkitOptionsError extends Error {
  constructor (message: string) {
    super(`apitoolkit-fastify: ${message}`)
    this.name = 'ApitoolkitOptionsError'
  }
}

type Kind = 'string' | 'boolean' | 'string[]' | 'path[]' | 'positive integer'

const OPTION_KINDS: Record<keyof ApitoolkitOptions, Kind> = {
  apiKey: 'string',
  serviceName: 'string',
  serviceVersion: 'string',
  tags: 'string[]',
  debug: 'boolean',
  captureRequestBody: 'boolean',
  captureResponseBody: 'boolean',
  redactHeaders: 'string[]',
  redactQueryParams: 'string[]',
  redactRequestBody: 'path[]',
  redactResponseBody: 'path[]',
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

function show (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return String(value)
}

function checkKind (name: string, kind: Kind, value: unknown): void {
  const fail = (): never => { throw new ApitoolkitOptionsError(`option ${name} must be ${kind === 'path[]' ? 'an array of JSONPath strings' : kind === 'string[]' ? 'an array of strings' : `a ${kind}`}, got ${show(value)}`) }
  switch (kind) {
    case 'string': if (typeof value !== 'string') fail(); return
    case 'boolean': if (typeof value !== 'boolean') fail(); return
    case 'positive integer': if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) fail(); return
    default: {
      if (!Array.isArray(value)) fail()
      const items = value as unknown[]
      // An index loop, not forEach: a hole in a sparse array is not a string either.
      for (let i = 0; i < items.length; i++) {
        if (typeof items[i] !== 'string') {
          throw new ApitoolkitOptionsError(`option ${name}[${i}] must be a string, got ${show(items[i])}`)
        }
      }
    }
  }
}

function compile (name: string, paths: string[]): RedactionPlan {
  try {
    return compileRedaction(paths)
  } catch (err) {
    if (err instanceof RedactionPathError) {
      throw new ApitoolkitOptionsError(`option ${name}[${paths.indexOf(err.path)}]: ${err.message}`)
    }
    throw err
  }
}

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
  for (const name of Object.keys(given)) {
    if (FASTIFY_REGISTER_OPTIONS.has(name)) continue
    // Own names only: `constructor` or `toString` must not pass as options through the prototype.
    const kind = Object.hasOwn(OPTION_KINDS, name) ? OPTION_KINDS[name as keyof ApitoolkitOptions] : undefined
    if (kind === undefined) {
      const hint = Object.keys(OPTION_KINDS).find((known) => known.toLowerCase() === name.toLowerCase())
      throw new ApitoolkitOptionsError(`unknown option ${JSON.stringify(name)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}`)
    }
    if (given[name] !== undefined) checkKind(name, kind, given[name])
  }
  const o = given as ApitoolkitOptions
  const redactRequestBody = o.redactRequestBody ?? []
  const redactResponseBody = o.redactResponseBody ?? []
  return {
    apiKey: o.apiKey,
    serviceName: o.serviceName ?? env.OTEL_SERVICE_NAME ?? '',
    serviceVersion: o.serviceVersion ?? '',
    tags: [...(o.tags ?? [])],
    debug: o.debug ?? false,
    captureRequestBody: o.captureRequestBody ?? false,
    captureResponseBody: o.captureResponseBody ?? false,
    redactHeaders: new Set([...ALWAYS_REDACTED_HEADERS, ...(o.redactHeaders ?? []).map((h) => h.toLowerCase())]),
    redactQueryParams: new Set([...ALWAYS_REDACTED_QUERY_PARAMS, ...(o.redactQueryParams ?? []).map((q) => q.toLowerCase())]),
    redactRequestBody: [...redactRequestBody],
    redactResponseBody: [...redactResponseBody],
    requestPlan: compile('redactRequestBody', redactRequestBody),
    responsePlan: compile('redactResponseBody', redactResponseBody),
    otlpEndpoint: endpointFrom(o.otlpEndpoint, env),
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    monitorOutgoing: o.monitorOutgoing ?? false,
    outgoingWildcards: wildcards(o.outgoingWildcards ?? []),
    ignoreRoutes: new Set(o.ignoreRoutes ?? []),
    maxQueueSize: o.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE,
    maxQueueBytes: o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
  }
}
