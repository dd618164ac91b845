// The `span-only` reference variant: the least any instrumentation can do and still send SPEC §3's
// APItoolkit span. Onrequest starts the span and makes it active; onResponse builds the same
// attributes the plugin builds for these requests, sets them in one call and ends the span. Nothing
// else: no bodies, no error capture, no abort or timeout handling, no failure guards. Its throughput
// is the ceiling for any plugin that exports this span through the benchmark's pipeline.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ALWAYS_REDACTED_HEADERS } from '../lib/span/headers'
import { buildAttributes, pathParamsJson, queryParamsJson, SDK_TYPE_INCOMING, SPAN_NAME, type SpanSettings } from '../lib/span/attributes'

const SETTINGS: SpanSettings = {
  serviceVersion: '',
  tags: [],
  redactHeaders: new Set([...ALWAYS_REDACTED_HEADERS, 'x-api-key']),
  attributeLimit: 128
}

const SPAN = Symbol('span-only span')

declare module 'fastify' {
  interface FastifyRequest {
    [SPAN]: Span | null
  }
}

async function spanOnly (app: FastifyInstance): Promise<void> {
  const tracer = trace.getTracer('span-only')
  app.decorateRequest(SPAN, null)

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers)
    const span = tracer.startSpan(SPAN_NAME, { kind: SpanKind.SERVER }, parent)
    request[SPAN] = span
    context.with(trace.setSpan(parent, span), done)
  })

  app.addHook('onResponse', (request, reply, done) => {
    const span = request[SPAN]
    if (span !== null) {
      span.setAttributes(buildAttributes({
        hostName: request.hostname,
        msgId: crypto.randomUUID(),
        parentId: '',
        sdkType: SDK_TYPE_INCOMING,
        route: request.routeOptions.url ?? '/',
        target: request.url,
        method: request.method,
        status: reply.statusCode,
        queryParams: queryParamsJson(request.query),
        pathParams: pathParamsJson(request.params),
        requestBody: '',
        responseBody: '',
        errors: [],
        requestHeaders: request.headers,
        responseHeaders: reply.getHeaders()
      }, SETTINGS))
      span.end()
    }
    done()
  })
}

export const spanOnlyPlugin = fp(spanOnly, { fastify: '5.x', name: 'bench-span-only' })
