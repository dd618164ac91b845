import type { ApitoolkitRequest, ApitoolkitTenant, ApitoolkitUser, AxiosLike, ObserveClient, ObserveOptions } from '../../types/index'
import { observeAxios } from '../outgoing/observe-axios'
import { createObserveClient } from '../outgoing/observe-client'
import type { CustomValue } from '../span/apitoolkit-span'
import { ATTR, REQUEST_HEADER_PREFIX, RESPONSE_HEADER_PREFIX } from '../span/names'
import type { RequestRecord } from './request-record'

const kRecord = Symbol('apitoolkit-fastify request record')

// Names the span already has: a custom attribute may not replace one.
const FIXED_NAMES = new Set<string>(Object.values(ATTR))

function isFixedName (name: string): boolean {
  return FIXED_NAMES.has(name) || name.startsWith(REQUEST_HEADER_PREFIX) || name.startsWith(RESPONSE_HEADER_PREFIX)
}

function isCustomValue (value: unknown): value is CustomValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

/**
 * `request.apitoolkit`: the small surface the app uses. The request's state stays behind a symbol, where
 * the app cannot trip over it; on a request the plugin does not trace, every call is harmless.
 */
export class RequestFacade implements ApitoolkitRequest {
  // Keyed by a symbol this module keeps: only the plugin reaches the record.
  readonly [kRecord]: RequestRecord | undefined
  private client: ObserveClient | undefined = undefined

  constructor (record: RequestRecord | undefined) {
    this[kRecord] = record
  }

  reportError (error: unknown): void {
    this.guard('reportError', (record) => {
      if (!record.span.recordError(error)) {
        record.plugin.log.debug({ value: typeof error }, 'apitoolkit-fastify: reportError ignored a value that is not an error')
      }
    })
  }

  get observe (): ObserveClient {
    this.client ??= createObserveClient(this[kRecord])
    return this.client
  }

  observeAxios<T extends AxiosLike> (instance: T, options?: ObserveOptions): T {
    return observeAxios(this[kRecord], instance, options)
  }

  setUser (user: ApitoolkitUser): void {
    this.guard('setUser', (record) => {
      if (typeof user !== 'object' || user === null) return
      set(record, ATTR.userId, user.id)
      set(record, ATTR.userEmail, user.email)
      set(record, ATTR.userName, user.name)
    })
  }

  setTenant (tenant: ApitoolkitTenant): void {
    this.guard('setTenant', (record) => {
      if (typeof tenant !== 'object' || tenant === null) return
      set(record, ATTR.tenantId, tenant.id)
      set(record, ATTR.tenantName, tenant.name)
    })
  }

  setAttributes (attributes: Record<string, string | number | boolean>): void {
    this.guard('setAttributes', (record) => {
      if (typeof attributes !== 'object' || attributes === null) return
      for (const name of Object.keys(attributes)) {
        const value: unknown = attributes[name]
        if (isFixedName(name) || !isCustomValue(value)) {
          record.plugin.log.debug({ attribute: name }, 'apitoolkit-fastify: setAttributes ignored a name the span already has or a value that is not a string, number or boolean')
          continue
        }
        record.span.setAttribute(name, value)
      }
    })
  }

  /** Runs a call on the record, if any; whatever it throws (a hostile value, a bug) is logged, never thrown at the app. */
  private guard (call: string, step: (record: RequestRecord) => void): void {
    const record = this[kRecord]
    if (record === undefined) return
    try {
      step(record)
    } catch (err) {
      record.plugin.fail(err, `request.apitoolkit.${call}`)
    }
  }
}

function set (record: RequestRecord, name: string, value: unknown): void {
  if (value === undefined || value === null) return
  record.span.setAttribute(name, String(value))
}

/** The request's record, or undefined when the plugin does not trace it. */
export function recordOf (facade: unknown): RequestRecord | undefined {
  return facade instanceof RequestFacade ? facade[kRecord] : undefined
}

/** `request.apitoolkit` on requests the plugin does not trace. */
export const UNTRACED = new RequestFacade(undefined)
