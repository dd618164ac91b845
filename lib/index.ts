import type { FastifyRequest } from 'fastify'
import type { ObserveClient, ObserveOptions } from '../types/index'
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

// The shape of Fastify's own plugins: `require()` gives the plugin, with the rest as its properties, which
// Node's CommonJS analysis also offers to `import` by name.
module.exports = plugin
module.exports.default = plugin
module.exports.apitoolkit = plugin
module.exports.reportError = reportError
module.exports.observeRequest = observeRequest
