// Per-call options of the wrapped clients (observe, observeAxios): merged with the client's defaults, and
// their redaction lists compiled once per distinct list.
import type { ObserveOptions } from '../../types/index'
import { captureBody, redactedBody } from '../body/capture-body'
import { compileRedaction, type RedactionPlan } from '../redaction'
import type { PluginState } from '../request/plugin-state'

// Lists normally come from code, so there are few; the cap only bounds lists built from request data.
const MAX_CACHED_LISTS = 256

/** A little read past maxBodyBytes, so a long JSON body is cut structurally rather than read as broken JSON. */
export const READ_SLACK_BYTES = 4096

/** A body plan, or null when a per-call path is invalid: the body is then replaced whole by the marker. */
export type BodyPlan = RedactionPlan | null

class RedactionCache {
  private readonly headerLists = new Map<string, ReadonlySet<string>>()
  private readonly plans = new Map<string, BodyPlan>()

  constructor (private readonly plugin: PluginState) {}

  headersFor (extra: readonly string[]): ReadonlySet<string> {
    const base = this.plugin.settings.redactHeaders
    if (extra.length === 0) return base
    return cached(this.headerLists, extra.join('\n'), () => new Set([...base, ...extra.map((name) => name.toLowerCase())]))
  }

  planFor (kind: 'request' | 'response', extra: readonly string[]): BodyPlan {
    const { options } = this.plugin
    if (extra.length === 0) return kind === 'request' ? options.requestPlan : options.responsePlan
    const base = kind === 'request' ? options.redactRequestBody : options.redactResponseBody
    return cached(this.plans, `${kind}\n${extra.join('\n')}`, () => {
      try {
        return compileRedaction([...base, ...extra], { secrets: options.redactSecrets })
      } catch (err) {
        // Logged once, as the plan is cached: the call still goes out, and its body is not sent in clear.
        this.plugin.fail(err, `compiling a per-call ${kind === 'request' ? 'redactRequestBody' : 'redactResponseBody'} list`)
        return null
      }
    })
  }
}

function cached<V> (map: Map<string, V>, key: string, make: () => V): V {
  if (map.has(key)) return map.get(key) as V
  const value = make()
  if (map.size >= MAX_CACHED_LISTS) map.delete(map.keys().next().value as string)
  map.set(key, value)
  return value
}

const caches = new WeakMap<PluginState, RedactionCache>()

/** The redaction lists of one plugin instance, per-call additions included. */
export function redactionCache (plugin: PluginState): RedactionCache {
  let cache = caches.get(plugin)
  if (cache === undefined) {
    cache = new RedactionCache(plugin)
    caches.set(plugin, cache)
  }
  return cache
}

export function captureWith (body: string | Buffer | undefined, contentType: string | null | undefined, plan: BodyPlan, maxBytes: number): Buffer | undefined {
  if (body === undefined) return undefined
  return plan === null ? redactedBody(maxBytes) : captureBody(body, contentType ?? undefined, plan, maxBytes)
}

/** The per-call options merged with the client's defaults: lists add up, the call's wildcard wins. */
export interface CallOptions {
  urlWildcard: string | undefined
  redactHeaders: readonly string[]
  redactRequestBody: readonly string[]
  redactResponseBody: readonly string[]
}

export function mergeOptions (defaults: ObserveOptions, given: ObserveOptions): CallOptions {
  const join = (a: string[] | undefined, b: string[] | undefined): readonly string[] =>
    a === undefined || a.length === 0 ? b ?? [] : b === undefined || b.length === 0 ? a : [...a, ...b]
  return {
    urlWildcard: given.urlWildcard ?? defaults.urlWildcard,
    redactHeaders: join(defaults.redactHeaders, given.redactHeaders),
    redactRequestBody: join(defaults.redactRequestBody, given.redactRequestBody),
    redactResponseBody: join(defaults.redactResponseBody, given.redactResponseBody)
  }
}

/**
 * The bytes of a body a client sends as they are; undefined for streams, forms and blobs, which are not
 * read. Binary bodies are copied: the span is built later, and the caller may reuse its buffer meanwhile.
 */
export function bodyBytes (body: unknown): string | Buffer | undefined {
  if (typeof body === 'string') return body
  if (body instanceof URLSearchParams) return body.toString()
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body))
  if (ArrayBuffer.isView(body)) return Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
  return undefined
}
