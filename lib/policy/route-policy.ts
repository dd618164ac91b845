import type { RouteOptions } from 'fastify'
import type { PluginState } from '../request/plugin-state'
import type { RouteConfig } from '../request/route-context'
import { routePolicy, type CapturePolicy } from './capture-policy'

/** Where a route's compiled policy is kept, in the config object Fastify keeps for the route. */
const kPolicy = Symbol('apitoolkit-fastify route policy')

/** `false`: the route gets no span. */
export type RoutePolicy = CapturePolicy | false

function routeName (method: string | string[], url: string): string {
  return `${Array.isArray(method) ? method.join(',') : method} ${url}`
}

/**
 * onRoute: the route's `config.apitoolkit` checked and compiled, once, into the config Fastify keeps
 * for it (a copy of the route's own, so a symbol key travels with it). Throws, naming the route, when
 * the config is wrong; Fastify then fails `ready()`. Returns the route's policy when it has its own.
 */
export function compileRoutePolicy (route: RouteOptions, base: CapturePolicy): RoutePolicy | undefined {
  const policy = routePolicy((route.config as RouteConfig | undefined)?.apitoolkit, base, routeName(route.method, route.url))
  if (policy !== undefined) {
    const config: RouteConfig = { ...route.config, [kPolicy]: policy }
    route.config = config as RouteOptions['config']
  }
  return policy
}

/** The policy of a request's route: its own, else the plugin's. */
export function policyFor (config: RouteConfig, plugin: PluginState): RoutePolicy {
  const own = config[kPolicy] as RoutePolicy | undefined
  if (own !== undefined) return own
  if (config.apitoolkit === undefined) return plugin.options.policy
  return compileLate(config, plugin)
}

/**
 * A route added before the plugin was loaded (registered without `await`) never passed through onRoute:
 * its config is compiled at its first request instead. A mistake can no longer fail `ready()`: it is
 * logged, and the route's spans carry no bodies, since its redaction paths cannot be trusted.
 */
function compileLate (config: RouteConfig, plugin: PluginState): RoutePolicy {
  const base = plugin.options.policy
  let policy: RoutePolicy
  try {
    policy = routePolicy(config.apitoolkit, base, routeName(String(config.method), String(config.url))) ?? base
  } catch (err) {
    plugin.fail(err, 'reading the route\'s config.apitoolkit')
    policy = { ...base, captureRequestBody: false, captureResponseBody: false }
  }
  config[kPolicy] = policy
  return policy
}
