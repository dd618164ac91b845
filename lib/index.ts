import type { FastifyRequest } from 'fastify'
import type { AxiosLike, ObserveClient, ObserveOptions } from '../types/index'
import { observeAxios as observeAxiosFor } from './outgoing/observe-axios'
import { createObserveClient } from './outgoing/observe-client'
import { plugin } from './plugin'
import { recordOf, RequestFacade } from './request/facade'

/** Records a handled error in the span of `request`. */
function reportError (request: FastifyRequest, error: unknown): void {
  if (request.apitoolkit instanceof RequestFacade) request.apitoolkit.reportError(error)
}

/** The request's outgoing client with `options` as per-call defaults. */
function observeRequest (request: FastifyRequest, options?: ObserveOptions): ObserveClient {
  return createObserveClient(recordOf(request.apitoolkit), options)
}

/** An axios instance made from `instance` whose calls are outgoing spans of `request`. */
function observeAxios<T extends AxiosLike> (request: FastifyRequest, instance: T, options?: ObserveOptions): T {
  return observeAxiosFor(recordOf(request.apitoolkit), instance, options)
}

// The shape of Fastify's own plugins: `require()` gives the plugin, with the rest as its properties, which
// Node's CommonJS analysis also offers to `import` by name.
module.exports = plugin
module.exports.default = plugin
module.exports.apitoolkit = plugin
module.exports.reportError = reportError
module.exports.observeRequest = observeRequest
module.exports.observeAxios = observeAxios
