// monitorOutgoing: plain fetch calls made while serving a request become outgoing spans through undici's
// diagnostics channels; observe calls are not recorded twice; nothing outside a monitored request is.
import { test } from 'tap'
import { channel } from 'node:diagnostics_channel'
import { context } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import { within } from '../../helpers/deadline'
import { errorsOf } from '../../helpers/harness'
import {
  assertOutgoingOf, call, exceptionsOf, isOutgoing, linkedRequests, outgoingTo, REDACTED, soleOutgoing, spansOfRequest, startApp,
  STATUS_ERROR, STATUS_UNSET,
  traceparentOf
} from '../../helpers/outgoing'
import { closedPort, headerLines, startUpstream } from '../../helpers/upstream'

test('a plain fetch in a handler: exactly one outgoing span, linked; headers redacted only in the span', async (t) => {
  const up = await startUpstream(t)
  // A header name no default rule redacts, so only the plugin's list can.
  const app = await startApp(t, { monitorOutgoing: true, redactHeaders: ['x-plugin-listed'] }, (a) => {
    a.get('/plain', async () => {
      const res = await fetch(`${up.url}/items/42?x=1`, { headers: { authorization: 'Bearer s3cret', 'x-plugin-listed': 's', 'x-plain': 'p' } })
      return await res.json()
    })
  })
  t.same((await call(app, '/plain', 'plain')).body, { id: '42', name: 'widget', token: 'tok-secret' })
  const { incoming, s } = soleOutgoing(await app.closeApp(), 'plain')
  const attr = s.attributes
  assertOutgoingOf(t, s, incoming, new URL(up.url).host)
  t.equal(attr['http.route'], '/items/42')
  t.equal(attr['http.target'], '/items/42?x=1')
  t.equal(attr['http.request.method'], 'GET')
  t.equal(attr['http.response.status_code'], 200)
  t.equal(attr['http.request.query_params'], '{"x":["1"]}')
  t.equal(attr['http.request.body'], '', 'bodies are not visible to the monitor')
  t.equal(attr['http.response.body'], '')
  t.equal(attr['apitoolkit.errors'], '[]')
  t.equal(attr['http.request.header.authorization'], REDACTED)
  t.equal(attr['http.request.header.x-plugin-listed'], REDACTED)
  t.equal(attr['http.request.header.x-plain'], 'p')
  t.equal(attr['http.response.header.set-cookie'], REDACTED)
  t.equal(attr['http.response.header.x-upstream'], 'yes')

  const got = up.one('/items/42?x=1')
  t.equal(got.headers.authorization, 'Bearer s3cret')
  t.equal(got.headers['x-plugin-listed'], 's')
  t.same(headerLines(got, 'traceparent'), [traceparentOf(s)], 'one traceparent, naming the outgoing span')
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
  const spans = await app.closeApp()
  const { outgoing } = spansOfRequest(spans, 'observed')
  const observed = outgoing.filter((s) => s.attributes['http.route'] === '/redirect')
  t.equal(observed.length, 1, 'no monitor span for the observe call, nor for its redirect hop')
  t.equal(outgoing.length, 2, 'the observe span and the plain fetch span')
  t.not(observed[0].attributes['http.response.body'], '', 'the observe span, which captures the body')
  t.equal(spans.filter((s) => isOutgoing(s) && s.attributes['http.target'] === '/items/7').length, 0)
  t.same(headerLines(up.one('/items/7'), 'traceparent'), [traceparentOf(observed[0])], 'the redirect hop carries only the observe call\'s traceparent')
})

test('a redirected plain fetch: one span per HTTP exchange, both linked', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/hops', async () => (await fetch(`${up.url}/redirect`)).json())
  })
  t.same((await call(app, '/hops', 'hops')).body, { id: '7', name: 'widget', token: 'tok-secret' })
  const { incoming, outgoing } = spansOfRequest(await app.closeApp(), 'hops')
  t.same(outgoing.map((s) => [s.attributes['http.target'], s.attributes['http.response.status_code']]).sort(), [['/items/7', 200], ['/redirect', 302]])
  t.ok(outgoing.every((s) => s.parentSpanId === incoming.spanId && s.traceId === incoming.traceId))
})

test('a failed plain fetch: status 502 and an exception event; the handler gets fetch\'s own error', async (t) => {
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
  const { outgoing } = spansOfRequest(await app.closeApp(), 'refused')
  t.equal(outgoing.length, 1)
  const [s] = outgoing
  t.equal(s.attributes['http.response.status_code'], 502)
  t.equal(s.status.code, STATUS_ERROR)
  t.match(s.status.message, /ECONNREFUSED/)
  t.match(errorsOf(s), [{ message: /ECONNREFUSED/ }])
  t.equal(exceptionsOf(s).length, 1)
  t.match(exceptionsOf(s)[0]['exception.message'], /ECONNREFUSED/)
})

test('a timed-out and an aborted plain fetch: status 504 and 499 with an exception event', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/gave-up', async () => {
      const names: string[] = []
      await fetch(`${up.url}/hang?signal=0`, { signal: AbortSignal.timeout(50) }).catch((err: Error) => { names.push(err.name) })
      // Aborted once the upstream has the request: a signal aborted before would stop fetch before any request.
      const controller = new AbortController()
      const pending = fetch(`${up.url}/hang?signal=1`, { signal: controller.signal })
      await within(10_000, 'the aborted request at the upstream', up.arrival('/hang?signal=1'))
      controller.abort()
      await pending.catch((err: Error) => { names.push(err.name) })
      return names
    })
  })
  t.same((await call(app, '/gave-up', 'gave-up')).body, ['TimeoutError', 'AbortError'], 'the handler gets fetch\'s own errors')
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'gave-up').outgoing.length, 2)
  const timedOut = outgoingTo(spans, '/hang?signal=0')
  const aborted = outgoingTo(spans, '/hang?signal=1')
  t.equal(timedOut.attributes['http.response.status_code'], 504)
  t.equal(exceptionsOf(timedOut).length, 1)
  t.equal(aborted.attributes['http.response.status_code'], 499)
  t.equal(exceptionsOf(aborted).length, 1)
})

test('a plain fetch the caller aborts with a reason of its own is recorded as aborted (499)', async (t) => {
  const up = await startUpstream(t)
  const reason = new Error('caller gave up')
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/gave-up', async () => {
      const controller = new AbortController()
      const pending = fetch(`${up.url}/hang?reason=own`, { signal: controller.signal })
      await within(10_000, 'the aborted request at the upstream', up.arrival('/hang?reason=own'))
      controller.abort(reason)
      return await pending.then(() => ({ gotReason: false }), (err: unknown) => ({ gotReason: err === reason }))
    })
  })
  t.same((await call(app, '/gave-up', 'gave-up')).body, { gotReason: true }, 'the handler gets its own reason')
  const s = outgoingTo(await app.closeApp(), '/hang?reason=own')
  t.equal(s.attributes['http.response.status_code'], 499, 'aborted by the caller: 499')
  t.equal(s.status.code, STATUS_UNSET, 'not a server error')
  t.match(exceptionsOf(s), [{ 'exception.type': 'Error', 'exception.message': 'caller gave up' }])
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
  const spans = await app.closeApp()
  t.equal(linkedRequests(spans, ids, 2, (id) => `/items/${id}`), ids.length)
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
  const fromMonitored = await monitored.closeApp()
  const fromUnmonitored = await unmonitored.closeApp()
  t.equal(spansOfRequest(fromMonitored, 'suppressed').incoming.attributes['http.route'], '/suppressed', 'the request itself has its span')
  t.equal(fromMonitored.filter(isOutgoing).length, 0, 'tracing suppressed, or outside a request: no outgoing span')
  t.equal(spansOfRequest(fromUnmonitored, 'off').incoming.attributes['http.route'], '/off')
  t.equal(fromUnmonitored.filter(isOutgoing).length, 0, 'option off on that app: no outgoing span')
  t.equal(up.one('/items/off').headers.traceparent, undefined, 'no trace context injected with the option off')
  t.equal(up.one('/items/suppressed').headers.traceparent, undefined, 'nor with tracing suppressed')
  t.equal(up.one('/items/outside').headers.traceparent, undefined, 'nor outside a request')
})

test('the monitor subscribes while a monitored app is open and unsubscribes when it closes', async (t) => {
  const create = channel('undici:request:create')
  t.equal(create.hasSubscribers, false, 'nothing subscribed before')
  const first = await startApp(t, { monitorOutgoing: true }, () => {})
  const second = await startApp(t, { monitorOutgoing: true }, () => {})
  t.equal(create.hasSubscribers, true)
  await first.closeApp()
  t.equal(create.hasSubscribers, true, 'still needed by the second app')
  await second.closeApp()
  t.equal(create.hasSubscribers, false)
})

test('a traceparent set by the caller is kept, not doubled', async (t) => {
  const up = await startUpstream(t)
  const own = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01'
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/own', async () => (await fetch(`${up.url}/items/own`, { headers: { traceparent: own } })).json())
  })
  t.same((await call(app, '/own', 'own')).body, { id: 'own', name: 'widget', token: 'tok-secret' })
  t.same(headerLines(up.one('/items/own'), 'traceparent'), [own])
  const { outgoing } = spansOfRequest(await app.closeApp(), 'own')
  t.equal(outgoing.length, 1)
  t.equal(outgoing[0].attributes['http.request.header.traceparent'], own, 'the span records the header as sent')
})
