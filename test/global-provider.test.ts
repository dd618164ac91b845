// With a TracerProvider already registered (the user's NodeSDK), the plugin uses it, keeps every fixed
// attribute under its default limit of 128, and close() flushes it without shutting it down.
import { test } from 'tap'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import Fastify from 'fastify'
import apitoolkit from '..'

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
provider.register()

const FIXED = [
  'net.host.name', 'apitoolkit.msg_id', 'http.route', 'http.target', 'http.request.method',
  'http.response.status_code', 'http.request.query_params', 'http.request.path_params',
  'apitoolkit.sdk_type', 'apitoolkit.parent_id', 'http.request.body', 'http.response.body',
  'apitoolkit.errors', 'apitoolkit.service_version', 'apitoolkit.tags'
]

test('the global provider is used; header attributes give way first under its limit', async (t) => {
  const app = Fastify()
  await app.register(apitoolkit, { serviceName: 'global-test' })
  app.get('/many', async (_request, reply) => {
    for (let i = 0; i < 30; i++) reply.header(`x-r-${i}`, String(i))
    return { ok: true }
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const headers = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-h-${i}`, `v${i}`]))
  const res = await fetch(`${url}/many`, { headers })
  t.equal(res.status, 200)
  await res.arrayBuffer()
  await app.close()

  const spans = exporter.getFinishedSpans()
  t.equal(spans.length, 1, 'the span went through the global provider')
  const span = spans[0]
  t.equal(span.instrumentationScope.name, 'global-test', 'tracer named after the service')
  const keys = Object.keys(span.attributes)
  t.ok(keys.length <= 128, `${keys.length} attributes fit the default limit`)
  t.equal(span.droppedAttributesCount, 0, 'the SDK had nothing to drop: the plugin chose')
  for (const key of FIXED) t.ok(key in span.attributes, `${key} kept`)
  t.ok(keys.some((k) => k.startsWith('http.response.header.x-r-')), 'response headers keep a share')
  t.ok(keys.some((k) => k.startsWith('http.request.header.x-h-')), 'request headers keep a share')

  const after = trace.getTracer('after-close').startSpan('still-works')
  after.end()
  t.equal(exporter.getFinishedSpans().length, 2, 'close flushed the provider but did not shut it down')
})
