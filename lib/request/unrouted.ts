import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { SpanStatusCode } from '@opentelemetry/api'
import type { Instrumentation } from './instrumentation'
import { startServerSpan } from '../export/pipeline'
import { buildAttributes, SDK_TYPE_INCOMING, searchParamsJson } from '../span/attributes'

const TRACED = Symbol('apitoolkit-fastify traced')

/** Set in onRequest, so the watcher below can tell which requests already have a span. */
export function markTraced (raw: IncomingMessage): void {
  (raw as IncomingMessage & { [TRACED]?: true })[TRACED] = true
}

function isTraced (raw: IncomingMessage): boolean {
  return (raw as IncomingMessage & { [TRACED]?: true })[TRACED] === true
}

function recordUnrouted (inst: Instrumentation, req: IncomingMessage, res: ServerResponse): void {
  const { span } = startServerSpan(inst.pipeline, req.headers)
  const target = req.url ?? '/'
  const query = target.indexOf('?')
  span.setAttributes(buildAttributes({
    hostName: (req.headers.host ?? '').replace(/:\d+$/, ''),
    msgId: randomUUID(),
    parentId: '',
    sdkType: SDK_TYPE_INCOMING,
    route: '/',
    target,
    method: req.method ?? '',
    status: res.statusCode,
    queryParams: searchParamsJson(query < 0 ? '' : target.slice(query)),
    pathParams: '{}',
    requestBody: '',
    responseBody: '',
    errors: [],
    requestHeaders: req.headers,
    responseHeaders: res.getHeaders()
  }, inst.settings))
  if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
}

/**
 * Fastify's router answers some requests itself, before any hook runs (a URL it cannot decode, a route
 * parameter over maxParamLength). This listener runs after Fastify's own and gives those a span too.
 * Returns the function that stops watching.
 */
export function watchUnrouted (server: Server, inst: Instrumentation): () => void {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Requests still being served, or already traced, cost one or two property reads here.
    if (!res.writableEnded || isTraced(req)) return
    try {
      recordUnrouted(inst, req, res)
    } catch (err) {
      inst.fail(err, 'recording a request Fastify answered before its hooks')
    }
  }
  server.on('request', listener)
  return () => { server.off('request', listener) }
}
