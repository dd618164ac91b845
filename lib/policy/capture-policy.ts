// What a request's span captures and keeps: the plugin's options, or a route's `config.apitoolkit` laid
// over them. Built once per route when the route is added; per request only looked up.
import type { ApitoolkitRouteOptions } from '../../types/index'
import { ApitoolkitOptionsError, checkOptions, compilePaths, ERROR_PREFIX, show, type Kind } from '../options/option-checks'
import { compileRedaction, type RedactionPlan } from '../redaction'
import type { SpanSettings } from '../span/apitoolkit-span'
import { sampleBound } from './sampling'

/** `true`: every kept request; `'errors'`: only those that end with status ≥ 400 or an error. */
export type CaptureMode = boolean | 'errors'

export interface CapturePolicy {
  captureRequestBody: CaptureMode
  captureResponseBody: CaptureMode
  redactRequestBody: readonly string[]
  redactResponseBody: readonly string[]
  requestPlan: RedactionPlan
  responsePlan: RedactionPlan
  sampleRate: number
  /** `sampleRate` as the bound the trace id is compared with. */
  sampleBound: number
  settings: SpanSettings
}

/** The names a route's `config.apitoolkit` object may have: plugin options, of the same kinds. */
export const ROUTE_OPTION_KINDS: Readonly<Record<keyof ApitoolkitRouteOptions, Kind>> = {
  captureRequestBody: 'capture',
  captureResponseBody: 'capture',
  redactHeaders: 'string[]',
  redactQueryParams: 'string[]',
  redactRequestBody: 'path[]',
  redactResponseBody: 'path[]',
  sampleRate: 'rate'
}

export function policyOf (
  capture: { captureRequestBody: CaptureMode, captureResponseBody: CaptureMode, sampleRate: number },
  redactRequestBody: readonly string[], requestPlan: RedactionPlan,
  redactResponseBody: readonly string[], responsePlan: RedactionPlan,
  settings: SpanSettings
): CapturePolicy {
  return {
    captureRequestBody: capture.captureRequestBody,
    captureResponseBody: capture.captureResponseBody,
    redactRequestBody,
    redactResponseBody,
    requestPlan,
    responsePlan,
    sampleRate: capture.sampleRate,
    sampleBound: sampleBound(capture.sampleRate),
    settings
  }
}

function lowerNames (base: ReadonlySet<string>, extra: string[] | undefined): ReadonlySet<string> {
  return extra === undefined || extra.length === 0 ? base : new Set([...base, ...extra.map((name) => name.toLowerCase())])
}

/** Runs a check, putting the route's name in front of what it refuses. */
function forRoute<T> (route: string, check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (err instanceof ApitoolkitOptionsError) throw new ApitoolkitOptionsError(`route ${route}: ${err.message.slice(ERROR_PREFIX.length)}`)
    throw err
  }
}

function paths (route: string, name: string, base: readonly string[], plan: RedactionPlan, extra: string[] | undefined): [readonly string[], RedactionPlan] {
  if (extra === undefined || extra.length === 0) return [base, plan]
  // Compiled alone first, so an error names the index in the route's own list.
  forRoute(route, () => compilePaths(`config.apitoolkit.${name}`, extra))
  const all = [...base, ...extra]
  return [all, compileRedaction(all, { secrets: plan.secrets })]
}

/**
 * A route's policy from its `config.apitoolkit`: undefined leaves the plugin's, `false` means no span,
 * an object overrides capture modes and the rate and adds to the lists. Refused with an error naming the
 * route (`GET /users/:id`) and the option.
 */
export function routePolicy (config: unknown, base: CapturePolicy, route: string): CapturePolicy | false | undefined {
  if (config === undefined || config === true) return undefined
  if (config === false) return false
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ApitoolkitOptionsError(`route ${route}: config.apitoolkit must be false or an object, got ${show(config)}`)
  }
  forRoute(route, () => { checkOptions(config as Record<string, unknown>, ROUTE_OPTION_KINDS, 'config.apitoolkit.') })
  const o = config as ApitoolkitRouteOptions
  const [redactRequestBody, requestPlan] = paths(route, 'redactRequestBody', base.redactRequestBody, base.requestPlan, o.redactRequestBody)
  const [redactResponseBody, responsePlan] = paths(route, 'redactResponseBody', base.redactResponseBody, base.responsePlan, o.redactResponseBody)
  const redactHeaders = lowerNames(base.settings.redactHeaders, o.redactHeaders)
  const redactQueryParams = lowerNames(base.settings.redactQueryParams, o.redactQueryParams)
  const settings = redactHeaders === base.settings.redactHeaders && redactQueryParams === base.settings.redactQueryParams
    ? base.settings
    : { ...base.settings, redactHeaders, redactQueryParams }
  return policyOf({
    captureRequestBody: o.captureRequestBody ?? base.captureRequestBody,
    captureResponseBody: o.captureResponseBody ?? base.captureResponseBody,
    sampleRate: o.sampleRate ?? base.sampleRate
  }, redactRequestBody, requestPlan, redactResponseBody, responsePlan, settings)
}
