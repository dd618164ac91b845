import type { FastifyRequest } from 'fastify'

/** A route's config as Fastify keeps it: the route's own `config`, plus `url` and `method`. */
export type RouteConfig = Record<string | symbol, unknown> & { url?: string }

// Fastify keeps each request's route context (its config among the rest) under a symbol, while the public
// `request.routeOptions` builds a new object of a dozen fields on every read. The symbol is found once, by
// its description; when a Fastify version no longer has it, routeOptions is read as before.
let contextKey: symbol | undefined | null = null

/** The config of the route serving `request`; for Fastify's 404 handler, one without `url`. */
export function routeConfigOf (request: FastifyRequest): RouteConfig {
  if (contextKey === null) contextKey = Object.getOwnPropertySymbols(request).find((key) => key.description === 'fastify.context')
  const routeContext = contextKey === undefined ? undefined : (request as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[contextKey]
  const config = routeContext === undefined ? request.routeOptions.config : routeContext.config
  return (config ?? {}) as RouteConfig
}
