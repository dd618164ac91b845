import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { sampledByTrace } from '../policy/sampling'
import { ApitoolkitSpan } from '../span/apitoolkit-span'
import { hostnameOf, pathParamsJson, redactTarget, searchParamsJson } from '../span/params'
import { parseTraceparent } from '../span/trace-context'
import type { PluginState } from './plugin-state'

function recordUnrouted (plugin: PluginState, req: IncomingMessage, res: ServerResponse): void {
  const span = ApitoolkitSpan.incoming(parseTraceparent(req.headers.traceparent, req.headers.tracestate))
  // Answered at once and with no error recorded: sampled like any ordinary request, unless a 5xx.
  if (res.statusCode < 500 && !sampledByTrace(span.traceId, plugin.options.policy.sampleBound)) return
  const target = req.url ?? '/'
  const query = target.indexOf('?')
  span.end({
    hostName: hostnameOf(req.headers.host ?? ''),
    route: '/',
    target: redactTarget(target, plugin.settings.redactQueryParams, plugin.settings.redactSecrets),
    method: req.method ?? '',
    status: res.statusCode,
    queryParams: searchParamsJson(query < 0 ? '' : target.slice(query), plugin.settings.redactQueryParams, plugin.settings.redactSecrets),
    pathParams: pathParamsJson(undefined),
    requestBody: undefined,
    responseBody: undefined,
    requestHeaders: req.headers,
    responseHeaders: res.getHeaders()
  }, plugin.settings, plugin.sink)
}

/**
 * Fastify's router answers some requests itself, before any hook runs (a URL it cannot decode, a route
 * parameter over maxParamLength). This listener runs after Fastify's own and gives those a span too.
 * `seen` is the last raw request onRequest saw: a request answered before this listener ran was handled
 * synchronously, so if onRequest ran for it, it ran just before. Returns the function that stops watching.
 */
export function watchUnrouted (server: Server, plugin: PluginState, seen: () => IncomingMessage | undefined): () => void {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Requests still being served, or already traced, cost a property read and a comparison here.
    if (!res.writableEnded || seen() === req) return
    try {
      recordUnrouted(plugin, req, res)
    } catch (err) {
      plugin.fail(err, 'recording a request Fastify answered before its hooks')
    }
  }
  server.on('request', listener)
  return () => { server.off('request', listener) }
}
