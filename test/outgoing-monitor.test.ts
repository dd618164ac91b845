// monitorOutgoing: plain fetch calls made while serving a request become outgoing spans through undici's
// diagnostics channels; observe calls are not recorded twice; nothing outside a monitored request is.
import { test } from 'tap'
import { channel } from 'node:diagnostics_channel'
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import {
  attr, call, closedPort, errorsOf, incomingSpan, installTracing, isOutgoing, outgoingSpans, REDACTED,
  spansOfRequest, startApp, startUpstream, UUID_V4
} from './helpers/outgoing'

const tracing = installTracing()

test('a plain fetch in a handler: exactly one outgoing span, linked; headers redacted only in the span', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true, redactHeaders: ['x-secret'] }, (a) => {
    a.get('/plain', async () => {
      const res = await fetch(`${up.url}/items/42?x=1`, { headers: { authorization: 'Bearer s3cret', 'x-secret': 's', 'x-plain': 'p' } })
      return await res.json()
    })
  })
  t.same((await call(app, '/plain', 'plain')).body, { id: '42', name: 'widget', token: 'tok-secret' })
  const { incoming, outgoing } = await spansOfRequest(tracing, 'plain', 1)
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  t.equal(s.kind, SpanKind.CLIENT)
  t.equal(s.name, 'apitoolkit-http-span')
  t.equal(s.spanContext().traceId, incoming.spanContext().traceId)
  t.equal(s.parentSpanContext?.spanId, incoming.spanContext().spanId)
  t.match(attr(s, 'apitoolkit.msg_id'), UUID_V4)
  t.equal(attr(s, 'apitoolkit.sdk_type'), 'JsOutgoing')
  t.equal(attr(s, 'net.host.name'), new URL(up.url).host)
  t.equal(attr(s, 'http.route'), '/items/42')
  t.equal(attr(s, 'http.target'), '/items/42?x=1')
  t.equal(attr(s, 'http.request.method'), 'GET')
  t.equal(attr(s, 'http.response.status_code'), 200)
  t.equal(attr(s, 'http.request.query_params'), '{"x":["1"]}')
  t.equal(attr(s, 'http.request.body'), '', 'bodies are not visible to the monitor')
  t.equal(attr(s, 'http.response.body'), '')
  t.equal(attr(s, 'apitoolkit.errors'), '[]')
  t.equal(attr(s, 'http.request.header.authorization'), REDACTED)
  t.equal(attr(s, 'http.request.header.x-secret'), REDACTED)
  t.equal(attr(s, 'http.request.header.x-plain'), 'p')
  t.equal(attr(s, 'http.response.header.set-cookie'), REDACTED)
  t.equal(attr(s, 'http.response.header.x-upstream'), 'yes')

  const got = up.one('/items/42?x=1')
  t.equal(got.headers.authorization, 'Bearer s3cret')
  t.equal(got.headers['x-secret'], 's')
  t.equal(got.headers.traceparent, `00-${incoming.spanContext().traceId}-${s.spanContext().spanId}-01`)
})

test('a call through observe yields exactly one outgoing span (the observe one, with its body)', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/observed', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/redirect`, { urlWildcard: '/redirect' })
      const plain = await fetch(`${up.url}/items/2`)
      await plain.text()
      return await res.json()
    })
  })
  t.same((await call(app, '/observed', 'observed')).body, { id: '7', name: 'widget', token: 'tok-secret' })
  // The handler's plain fetch ended after the observe call's hops, so once its span is in, any duplicate would be too.
  const { outgoing } = await spansOfRequest(tracing, 'observed', 2)
  const observed = outgoing.filter((s) => attr(s, 'http.route') === '/redirect')
  t.equal(observed.length, 1, 'no monitor span for the observe call, nor for its redirect hop')
  t.equal(outgoing.length, 2, 'the observe span and the plain fetch span')
  t.not(attr(observed[0], 'http.response.body'), '', 'the observe span, which captures the body')
  t.equal(outgoing.filter((s) => attr(s, 'http.target') === '/items/7').length, 0)
})

test('a redirected plain fetch: one span per HTTP exchange, both linked', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/hops', async () => (await fetch(`${up.url}/redirect`)).json())
  })
  t.same((await call(app, '/hops', 'hops')).body, { id: '7', name: 'widget', token: 'tok-secret' })
  const { incoming, outgoing } = await spansOfRequest(tracing, 'hops', 2)
  t.same(outgoing.map((s) => [attr(s, 'http.target'), attr(s, 'http.response.status_code')]).sort(), [['/items/7', 200], ['/redirect', 302]])
  t.ok(outgoing.every((s) => s.parentSpanContext?.spanId === incoming.spanContext().spanId))
})

test('a failed plain fetch: span with status 0 and the error; the handler gets fetch\'s own error', async (t) => {
  const port = await closedPort()
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/refused', async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/x`)
        return { threw: false }
      } catch (err) {
        return { threw: true, message: (err as Error).message, code: ((err as Error).cause as { code?: string }).code }
      }
    })
  })
  t.same((await call(app, '/refused', 'refused')).body, { threw: true, message: 'fetch failed', code: 'ECONNREFUSED' })
  const { outgoing } = await spansOfRequest(tracing, 'refused', 1)
  t.equal(outgoing.length, 1)
  t.equal(attr(outgoing[0], 'http.response.status_code'), 0)
  t.equal(outgoing[0].status.code, SpanStatusCode.ERROR)
  t.match(errorsOf(outgoing[0]), [{ message: /ECONNREFUSED/ }])
})

test('concurrent requests: every monitored span points at its own request', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/fan/:id', async (request) => {
      const { id } = request.params as { id: string }
      return Promise.all([0, 1].map(async (k) => (await (await fetch(`${up.url}/items/${id}?k=${k}`)).json() as { id: string }).id))
    })
  })
  const ids = Array.from({ length: 50 }, (_, i) => `mfan-${i}`)
  const answers = await Promise.all(ids.map((id) => call(app, `/fan/${id}`, id)))
  t.same(answers.map((a) => a.body), ids.map((id) => [id, id]))
  let linked = 0
  for (const id of ids) {
    const { incoming, outgoing } = await spansOfRequest(tracing, id, 2)
    if (outgoing.length === 2 && outgoing.every((s) => attr(s, 'http.route') === `/items/${id}` &&
      s.parentSpanContext?.spanId === incoming.spanContext().spanId)) linked++
  }
  t.equal(linked, ids.length)
})

test('nothing is recorded outside a monitored request, with tracing suppressed, or with the option off', async (t) => {
  const up = await startUpstream(t)
  const monitored = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/suppressed', async () => {
      // How OpenTelemetry exporters send: their own traffic must never become a span.
      await context.with(suppressTracing(context.active()), async () => { await (await fetch(`${up.url}/items/suppressed`)).text() })
      return { ok: true }
    })
  })
  const unmonitored = await startApp(t, {}, (a) => {
    a.get('/off', async () => {
      await (await fetch(`${up.url}/items/off`)).text()
      return { ok: true }
    })
  })
  await (await fetch(`${up.url}/items/outside`)).text()
  t.same((await call(monitored, '/suppressed', 'suppressed')).body, { ok: true })
  t.same((await call(unmonitored, '/off', 'off')).body, { ok: true })
  // A span would end when its fetch completes, before the handler answers and its request span ends.
  const spans = await tracing.until((all) => incomingSpan(all, 'suppressed') !== undefined && incomingSpan(all, 'off') !== undefined)
  t.equal(outgoingSpans(spans, incomingSpan(spans, 'suppressed') ?? spans[0]).length, 0, 'tracing suppressed')
  t.equal(outgoingSpans(spans, incomingSpan(spans, 'off') ?? spans[0]).length, 0, 'option off on that app')
  t.equal(spans.filter((s) => isOutgoing(s) && ['/items/outside', '/items/suppressed', '/items/off'].includes(String(attr(s, 'http.target')))).length, 0)
  t.equal(up.one('/items/off').headers.traceparent, undefined, 'no trace context injected with the option off')
})

test('the monitor subscribes while a monitored app is open and unsubscribes when it closes', async (t) => {
  const create = channel('undici:request:create')
  t.equal(create.hasSubscribers, false, 'nothing subscribed before')
  const first = await startApp(t, { monitorOutgoing: true }, () => {})
  const second = await startApp(t, { monitorOutgoing: true }, () => {})
  t.equal(create.hasSubscribers, true)
  await first.app.close()
  t.equal(create.hasSubscribers, true, 'still needed by the second app')
  await second.app.close()
  t.equal(create.hasSubscribers, false)
})

test('a traceparent set by the caller is kept, not doubled', async (t) => {
  const up = await startUpstream(t)
  const own = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01'
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/own', async () => (await fetch(`${up.url}/items/own`, { headers: { traceparent: own } })).json())
  })
  t.same((await call(app, '/own', 'own')).body, { id: 'own', name: 'widget', token: 'tok-secret' })
  t.equal(up.one('/items/own').headers.traceparent, own)
  const { outgoing } = await spansOfRequest(tracing, 'own', 1)
  t.equal(outgoing.length, 1)
})
