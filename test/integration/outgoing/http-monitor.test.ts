// monitorOutgoing for node:http/https clients: calls made with node:http, axios and got while serving a
// request become outgoing spans with no wrapper; the caller gets exactly what it gets without the plugin.
import { test } from 'tap'
import { Agent, get as httpGet, request as httpRequest, type IncomingMessage } from 'node:http'
import { once } from 'node:events'
import axios from 'axios'
import { recordOf } from '../../../lib/request/facade'
import { decodeBase64 as decodeBody } from '../../helpers/harness'
import { callWith, CLIENTS, loadGot, type Outcome } from '../../helpers/clients'
import {
  assertOutgoingOf, call, exceptionsOf, isOutgoing, linkedRequests, outgoingTo, REDACTED, spansOfRequest, startApp, STATUS_ERROR,
  traceparentOf
} from '../../helpers/outgoing'
import { bigBody, closedPort, headerLines, startUpstream } from '../../helpers/upstream'

const SENT = JSON.stringify({ sku: 'A-1', password: 'hunter2' })
const SENT_REDACTED = { sku: 'A-1', password: REDACTED }

test('node:http, axios and got in a handler: one CLIENT span per call, linked, redacted, with both bodies', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {
    monitorOutgoing: true, redactHeaders: ['x-plugin-listed'], redactRequestBody: ['$.password'], redactResponseBody: ['$.token']
  }, (a) => {
    a.get('/clients', async () => {
      const headers = { 'content-type': 'application/json', authorization: 'Bearer s3cret', 'x-plugin-listed': 's', 'x-plain': 'p' }
      const outcomes: Record<string, Outcome> = {}
      for (const client of CLIENTS) outcomes[client] = await callWith(client, `${up.url}/echo?client=${client}&token=t0k`, { method: 'POST', headers, body: SENT })
      return outcomes
    })
  })
  const answers = (await call(app, '/clients', 'clients')).body as Record<string, Outcome & { status: number, body: string }>
  const { incoming, outgoing } = spansOfRequest(await app.closeApp(), 'clients')
  t.equal(outgoing.length, 3, 'one span per call, none twice')
  for (const client of CLIENTS) {
    const target = `/echo?client=${client}&token=${REDACTED}`
    const s = outgoingTo(outgoing, target)
    const attr = s.attributes
    assertOutgoingOf(t, s, incoming, new URL(up.url).host, `${client}:`)
    t.equal(attr['http.route'], '/echo')
    t.equal(attr['http.request.method'], 'POST')
    t.equal(attr['http.response.status_code'], 201)
    t.equal(attr['http.request.query_params'], `{"client":["${client}"],"token":["${REDACTED}"]}`)
    t.equal(attr['http.request.header.authorization'], REDACTED, `${client}: default header list`)
    t.equal(attr['http.request.header.x-plugin-listed'], REDACTED, `${client}: the plugin's header list`)
    t.equal(attr['http.request.header.x-plain'], 'p')
    t.equal(attr['http.response.header.content-type'], 'application/json')
    t.same(JSON.parse(decodeBody(attr['http.request.body'])), SENT_REDACTED, `${client}: the request body as sent, redacted`)
    const echoed = JSON.parse(Buffer.from(answers[client].body, 'base64').toString()) as Record<string, unknown>
    t.same(JSON.parse(decodeBody(attr['http.response.body'])), { ...echoed, token: REDACTED }, `${client}: the response body as received, redacted`)
    t.equal(echoed.token, 'tok-secret', `${client}: the caller still gets the real value`)
    const received = up.one(`/echo?client=${client}&token=t0k`)
    t.equal(received.body, SENT, `${client}: the upstream got the body unchanged`)
    t.equal(received.headers.authorization, 'Bearer s3cret')
    t.same(headerLines(received, 'traceparent'), [traceparentOf(s)], `${client}: one traceparent, naming the span`)
  }
})

test('the caller gets exactly what it gets without the plugin: bytes, status, headers and errors', async (t) => {
  const up = await startUpstream(t)
  const port = await closedPort()
  const cases: Array<[string, Parameters<typeof callWith>[2]]> = [
    [`${up.url}/items/7?x=1`, {}],
    [`${up.url}/status/503`, {}],
    [`${up.url}/echo`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'plain text' }],
    [`${up.url}/big?size=200000`, {}],
    [`http://127.0.0.1:${port}/refused`, {}]
  ]
  const without: Outcome[] = []
  for (const client of CLIENTS) for (const [url, spec] of cases) without.push(await callWith(client, url, spec))
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/same', async () => {
      const outcomes: Outcome[] = []
      for (const client of CLIENTS) for (const [url, spec] of cases) outcomes.push(await callWith(client, url, spec))
      return outcomes
    })
  })
  const within = (await call(app, '/same', 'same')).body as Outcome[]
  t.equal(within.length, without.length)
  for (let i = 0; i < without.length; i++) {
    const what = `${CLIENTS[Math.floor(i / cases.length)]} ${cases[i % cases.length][0]}`
    t.same(within[i], without[i], what)
  }
  t.equal(spansOfRequest(await app.closeApp(), 'same').outgoing.length, without.length, 'and each call has its span')
})

/** Resolves once the parser has handed the whole body to `res`, without reading any of it. */
async function buffered (res: IncomingMessage): Promise<void> {
  while (!res.complete) await once(res, 'readable')
}

test('a response body the caller never reads is not consumed, and its span ends with it', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/unread', async () => {
      const res = await new Promise<IncomingMessage>((resolve) => httpGet(`${up.url}/items/9`, resolve))
      await buffered(res)
      const state = { flowing: res.readableFlowing === true, buffered: res.readableLength, ended: res.readableEnded }
      res.destroy()
      return state
    })
  })
  const expected = JSON.stringify({ id: '9', name: 'widget', token: 'tok-secret' })
  t.same((await call(app, '/unread', 'unread')).body, { flowing: false, buffered: expected.length, ended: false }, 'every byte still waits for the caller')
  const s = outgoingTo(await app.closeApp(), '/items/9')
  t.equal(s.attributes['http.response.status_code'], 200)
  t.same(JSON.parse(decodeBody(s.attributes['http.response.body'])), JSON.parse(expected), 'seen in passing')
  t.equal(exceptionsOf(s).length, 0)
})

test('a response nobody listens for is dumped by Node as usual, and still recorded', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/ignored', async () => {
      const req = httpGet(`${up.url}/items/3`)
      await once(req, 'close')
      return { ok: true }
    })
  })
  t.same((await call(app, '/ignored', 'ignored')).body, { ok: true })
  const s = outgoingTo(await app.closeApp(), '/items/3')
  t.equal(s.attributes['http.response.status_code'], 200)
})

test('a long body the caller stops reading: the span ends when the response closes, with the start of the body', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true, maxBodyBytes: 1000 }, (a) => {
    a.get('/partial', async () => {
      const res = await new Promise<IncomingMessage>((resolve) => httpGet(`${up.url}/text-big?size=300000`, resolve))
      const first = (await once(res, 'data'))[0] as Buffer
      res.destroy()
      await once(res, 'close')
      return { first: first.length }
    })
  })
  const answer = (await call(app, '/partial', 'partial')).body as { first: number }
  t.ok(answer.first > 0 && answer.first < 300000, 'the caller read one chunk only')
  const s = outgoingTo(await app.closeApp(), '/text-big?size=300000')
  t.equal(s.attributes['http.response.status_code'], 200)
  const text = JSON.parse(decodeBody(s.attributes['http.response.body'])) as string
  t.ok(text.length > 0 && decodeBody(s.attributes['http.response.body']).length <= 1000, 'cut to maxBodyBytes')
  t.equal(text, bigBody(text.length).toString(), 'a prefix of what the upstream sent')
})

test('refused and timed-out calls: 502 and 504 with an exception event; the caller gets its client\'s own error', async (t) => {
  const up = await startUpstream(t)
  const port = await closedPort()
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/failing', async () => {
      const outcomes: Record<string, Outcome> = {}
      for (const client of CLIENTS) {
        outcomes[`${client} refused`] = await callWith(client, `http://127.0.0.1:${port}/refused?client=${client}`)
        outcomes[`${client} timeout`] = await callWith(client, `${up.url}/hang?client=${client}`, { timeoutMs: 50 })
      }
      return outcomes
    })
  })
  const outcomes = (await call(app, '/failing', 'failing')).body as Record<string, { error: { name: string, code: unknown } }>
  t.match(outcomes, {
    'http refused': { error: { code: 'ECONNREFUSED' } },
    'http timeout': { error: { name: 'AbortError' } },
    'axios refused': { error: { code: 'ECONNREFUSED' } },
    'axios timeout': { error: { name: 'AxiosError', code: 'ECONNABORTED' } },
    'got refused': { error: { name: 'RequestError', code: 'ECONNREFUSED' } },
    'got timeout': { error: { name: 'TimeoutError', code: 'ETIMEDOUT' } }
  })
  const spans = await app.closeApp()
  for (const client of CLIENTS) {
    const refused = outgoingTo(spans, `/refused?client=${client}`)
    t.equal(refused.attributes['http.response.status_code'], 502, `${client} refused: 502`)
    t.equal(refused.status.code, STATUS_ERROR)
    t.equal(exceptionsOf(refused).length, 1)
    t.match(exceptionsOf(refused)[0]['exception.message'], /ECONNREFUSED/)
    const timedOut = outgoingTo(spans, `/hang?client=${client}`)
    t.equal(timedOut.attributes['http.response.status_code'], 504, `${client} timeout: 504`)
    t.equal(exceptionsOf(timedOut).length, 1, `${client} timeout: an exception event`)
  }
})

test('a request destroyed by its caller with a reason of its own is recorded as aborted (499)', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/destroyed', async () => {
      const req = httpGet(`${up.url}/hang?destroyed=1`)
      const failed = once(req, 'error')
      await up.arrival('/hang?destroyed=1')
      req.destroy(new Error('caller gave up'))
      return { message: ((await failed)[0] as Error).message }
    })
  })
  t.same((await call(app, '/destroyed', 'destroyed')).body, { message: 'caller gave up' })
  const s = outgoingTo(await app.closeApp(), '/hang?destroyed=1')
  t.equal(s.attributes['http.response.status_code'], 499)
  t.match(exceptionsOf(s), [{ 'exception.message': 'caller gave up' }])
})

test('outgoingWildcards name the route of monitored calls, fetch and node:http alike', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true, outgoingWildcards: ['/status/:code', '/items/:id'] }, (a) => {
    a.get('/routes', async (request) => {
      await callWith('axios', `${up.url}/items/42?via=axios`)
      await (await fetch(`${up.url}/items/43?via=fetch`)).text()
      await callWith('http', `${up.url}/echo?via=http`)
      await (await request.apitoolkit.observe.get(`${up.url}/items/44?via=observe`, { urlWildcard: '/items/:sku' })).text()
      return { ok: true }
    })
  })
  await call(app, '/routes', 'routes')
  const spans = await app.closeApp()
  t.equal(outgoingTo(spans, '/items/42?via=axios').attributes['http.route'], '/items/:id')
  t.equal(outgoingTo(spans, '/items/42?via=axios').attributes['http.request.path_params'], '{"id":"42"}')
  t.equal(outgoingTo(spans, '/items/43?via=fetch').attributes['http.route'], '/items/:id')
  t.equal(outgoingTo(spans, '/echo?via=http').attributes['http.route'], '/echo', 'no template matches: the path')
  t.equal(outgoingTo(spans, '/items/44?via=observe').attributes['http.route'], '/items/:sku', 'a call\'s own urlWildcard wins')
})

test('a traceparent the caller set is the one sent; headers given as an array get none added', async (t) => {
  const up = await startUpstream(t)
  const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/own', async () => {
      await callWith('got', `${up.url}/items/1?own=1`, { headers: { traceparent: own } })
      await new Promise<void>((resolve) => {
        httpRequest(`${up.url}/items/2?array=1`, { headers: ['host', new URL(up.url).host, 'x-array', 'yes'] as unknown as Record<string, string> }, (res) => {
          res.resume().on('end', resolve)
        }).end()
      })
      return { ok: true }
    })
  })
  await call(app, '/own', 'own')
  const spans = await app.closeApp()
  t.same(headerLines(up.one('/items/1?own=1'), 'traceparent'), [own])
  t.equal(outgoingTo(spans, '/items/1?own=1').attributes['http.request.header.traceparent'], own)
  t.same(headerLines(up.one('/items/2?array=1'), 'traceparent'), [], 'the head was stored already')
  t.equal(outgoingTo(spans, '/items/2?array=1').attributes['http.response.status_code'], 200, 'still recorded')
})

test('100 concurrent requests, two calls each with different clients: every span has its own request\'s parent ids', async (t) => {
  const up = await startUpstream(t)
  const got = await loadGot()
  const pairs: Array<[(url: string) => Promise<unknown>, (url: string) => Promise<unknown>]> = [
    [async (url) => (await axios.get(url)).data, async (url) => await got(url, { retry: { limit: 0 } }).json()],
    [async (url) => await callWith('http', url), async (url) => (await axios.get(url)).data],
    [async (url) => await got(url, { retry: { limit: 0 } }).json(), async (url) => await (await fetch(url)).json()]
  ]
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/fan/:n', async (request) => {
      const n = Number((request.params as { n: string }).n)
      const [first, second] = pairs[n % pairs.length]
      await Promise.all([first(`${up.url}/items/fan-${n}?k=0`), second(`${up.url}/items/fan-${n}?k=1`)])
      return { ok: true }
    })
  })
  const ns = Array.from({ length: 100 }, (_, n) => n)
  const answers = await Promise.all(ns.map((n) => call(app, `/fan/${n}`, `fan-${n}`)))
  t.ok(answers.every((a) => a.status === 200))
  const spans = await app.closeApp()
  t.equal(linkedRequests(spans, ns.map((n) => `fan-${n}`), 2, (id) => `/items/${id}`), ns.length)
  t.equal(spans.filter(isOutgoing).length, 200, 'no other outgoing span')
})

test('no span for calls outside any request (start-up, timers), nor for the exporter\'s own traffic', async (t) => {
  const up = await startUpstream(t)
  let timerCall: Promise<unknown> = Promise.resolve()
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.addHook('onReady', async () => { await callWith('axios', `${up.url}/items/startup`) })
    a.get('/inside', async (request) => {
      await callWith('got', `${up.url}/items/inside`)
      // The exporter sends what it has now, from inside this request.
      ;(recordOf(request.apitoolkit)?.plugin.sink as unknown as { flush: () => void }).flush()
      return { ok: true }
    })
  })
  // Scheduled outside any request, fired while requests are served.
  const fired = new Promise<void>((resolve) => { setImmediate(() => { timerCall = callWith('http', `${up.url}/items/timer`); resolve() }) })
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(app, '/inside', `inside-${i}`)))
  await fired
  await timerCall
  t.ok(answers.every((a) => a.status === 200))
  const spans = await app.closeApp()
  const outgoing = spans.filter(isOutgoing)
  t.equal(up.received.filter((r) => r.url === '/items/startup' || r.url === '/items/timer').length, 2, 'both calls were made')
  t.same(outgoing.map((s) => s.attributes['http.target']), Array(20).fill('/items/inside'), 'only the calls made inside requests')
  t.ok(outgoing.every((s) => s.attributes['net.host.name'] !== new URL(app.receiver.endpoint).host), 'none to the collector')
})

test('the agents are as they were once the last app closed; nothing is recorded with the option off', async (t) => {
  const before = (Agent.prototype as unknown as { addRequest: unknown }).addRequest
  const up = await startUpstream(t)
  const off = await startApp(t, {}, (a) => {
    a.get('/off', async () => await callWith('axios', `${up.url}/items/off`))
  })
  const on = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/on', async () => await callWith('axios', `${up.url}/items/on`))
  })
  t.not((Agent.prototype as unknown as { addRequest: unknown }).addRequest, before, 'wrapped while monitoring')
  await call(off, '/off', 'off')
  await call(on, '/on', 'on')
  t.equal(spansOfRequest(await off.closeApp(), 'off').outgoing.length, 0, 'the app without the option records nothing')
  t.equal(spansOfRequest(await on.closeApp(), 'on').outgoing.length, 1)
  t.equal((Agent.prototype as unknown as { addRequest: unknown }).addRequest, before, 'restored')
})
