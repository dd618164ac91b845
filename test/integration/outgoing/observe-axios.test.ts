// request.apitoolkit.observeAxios: an axios instance made from the caller's whose calls are outgoing spans
// with both bodies, per-call options, one traceparent, and exactly what plain axios gives the caller.
import { test } from 'tap'
import axios, { type AxiosError, type AxiosInstance } from 'axios'
import type { FastifyRequest } from 'fastify'
import type { AxiosLike, ObserveOptions } from '../../../types/index'
import { callWith, type Outcome } from '../../helpers/clients'
import { decodeBase64, errorsOf } from '../../helpers/harness'
import {
  assertOutgoingOf, call, exceptionsOf, isOutgoing, linkedRequests, outgoingTo, REDACTED, soleOutgoing, spansOfRequest, startApp,
  STATUS_ERROR, traceparentOf,
  WITHHELD_BODY
} from '../../helpers/outgoing'
import { closedPort, headerLines, startUpstream } from '../../helpers/upstream'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { observeAxios } = require('../../../lib/index') as { observeAxios: <T extends AxiosLike>(request: FastifyRequest, instance: T, options?: ObserveOptions) => T }

test('a call through observeAxios: one CLIENT span with both bodies, per-call options, one traceparent', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { redactRequestBody: ['$.password'], redactResponseBody: ['$.name'] }, (a) => {
    a.get('/axios', async (request) => {
      const client = request.apitoolkit.observeAxios(axios.create({ baseURL: up.url, headers: { 'x-default': 'd' } }), {
        urlWildcard: '/items/:id', redactHeaders: ['x-call-listed'], redactRequestBody: ['$.card'], redactResponseBody: ['$.token']
      })
      const res = await client.post('/items/42', { sku: 'A-1', password: 'hunter2', card: '4111' }, {
        params: { token: 't0k', q: 'x' }, headers: { authorization: 'Bearer s3cret', 'x-call-listed': 'c', 'x-plain': 'p' }
      })
      return { status: res.status, data: res.data }
    })
  })
  t.same((await call(app, '/axios', 'axios')).body, { status: 200, data: { id: '42', name: 'widget', token: 'tok-secret' } }, 'the caller gets the real data')
  const { incoming, s } = soleOutgoing(await app.closeApp(), 'axios')
  const attr = s.attributes
  assertOutgoingOf(t, s, incoming, new URL(up.url).host)
  t.equal(attr['http.route'], '/items/:id')
  t.equal(attr['http.request.path_params'], '{"id":"42"}')
  t.equal(attr['http.target'], `/items/42?token=${REDACTED}&q=x`)
  t.equal(attr['http.request.query_params'], `{"token":["${REDACTED}"],"q":["x"]}`)
  t.equal(attr['http.request.method'], 'POST')
  t.equal(attr['http.response.status_code'], 200)
  t.equal(attr['http.request.header.authorization'], REDACTED)
  t.equal(attr['http.request.header.x-call-listed'], REDACTED, 'the call\'s header list')
  t.equal(attr['http.request.header.x-plain'], 'p')
  t.equal(attr['http.request.header.x-default'], 'd', 'the instance\'s default headers')
  t.match(attr['http.request.header.user-agent'], /^axios\//, 'the headers axios adds as it sends')
  t.equal(attr['http.response.header.set-cookie'], REDACTED)
  t.equal(attr['http.response.header.x-upstream'], 'yes')
  t.same(JSON.parse(decodeBase64(attr['http.request.body'])), { sku: 'A-1', password: REDACTED, card: REDACTED }, 'plugin and call lists')
  t.same(JSON.parse(decodeBase64(attr['http.response.body'])), { id: '42', name: REDACTED, token: REDACTED }, 'plugin and call lists')
  t.same(headerLines(up.one('/items/42?token=t0k&q=x'), 'traceparent'), [traceparentOf(s)], 'one traceparent, naming the span')
  t.same(JSON.parse(up.one('/items/42?token=t0k&q=x').body), { sku: 'A-1', password: 'hunter2', card: '4111' }, 'the upstream got the real body')
})

test('the caller gets exactly what plain axios gives: data, status, headers, and the same error rethrown', async (t) => {
  const up = await startUpstream(t)
  const port = await closedPort()
  const cases: Array<[string, Parameters<typeof callWith>[2]]> = [
    [`${up.url}/items/7`, {}],
    [`${up.url}/status/404`, {}],
    [`${up.url}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'plain' }],
    [`${up.url}/big?size=100000`, {}],
    [`http://127.0.0.1:${port}/refused`, {}]
  ]
  const plain: Outcome[] = []
  for (const [url, spec] of cases) plain.push(await callWith('axios', url, spec))
  let rethrown: { same: boolean, status: unknown, data: unknown } | undefined
  const app = await startApp(t, {}, (a) => {
    a.get('/same', async (request) => {
      const axiosInstance = request.apitoolkit.observeAxios(axios)
      const outcomes: Outcome[] = []
      for (const [url, spec] of cases) outcomes.push(await callWith('axios', url, { ...spec, axiosInstance }))
      // An interceptor of the caller's sees the very error the plugin saw, and the caller gets it back.
      const seen: unknown[] = []
      const instance = axios.create()
      instance.interceptors.response.use(undefined, (err: unknown) => { seen.push(err); throw err })
      const observed = request.apitoolkit.observeAxios(instance)
      await observed.get(`${up.url}/status/500`).catch((err: AxiosError) => {
        rethrown = { same: seen[0] === err, status: err.response?.status, data: err.response?.data }
      })
      return outcomes
    })
  })
  t.same((await call(app, '/same', 'same')).body, plain)
  t.same(rethrown, { same: true, status: 500, data: { status: 500 } })
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'same').outgoing.length, cases.length + 1)
  const failed = outgoingTo(spans, '/status/500')
  t.equal(failed.attributes['http.response.status_code'], 500)
  t.equal(failed.status.code, STATUS_ERROR)
  t.equal(exceptionsOf(failed).length, 0, 'a response is not an exception')
  t.same(JSON.parse(decodeBase64(failed.attributes['http.response.body'])), { status: 500 })
})

test('refused, timed-out and cancelled calls: 502, 504 and 499 with an exception event; the same error reaches the caller', async (t) => {
  const up = await startUpstream(t)
  const port = await closedPort()
  const app = await startApp(t, {}, (a) => {
    a.get('/failing', async (request) => {
      const client = request.apitoolkit.observeAxios(axios)
      const codes: unknown[] = []
      const record = (err: AxiosError): void => { codes.push(err.code) }
      await client.get(`http://127.0.0.1:${port}/refused`).catch(record)
      await client.get(`${up.url}/hang?by=timeout`, { timeout: 50 }).catch(record)
      await client.get(`${up.url}/hang?by=signal`, { signal: AbortSignal.timeout(50) }).catch(record)
      const controller = new AbortController()
      const pending = client.get(`${up.url}/hang?by=abort`, { signal: controller.signal })
      await up.arrival('/hang?by=abort')
      controller.abort()
      await pending.catch(record)
      return codes
    })
  })
  t.same((await call(app, '/failing', 'failing')).body, ['ECONNREFUSED', 'ECONNABORTED', 'ERR_CANCELED', 'ERR_CANCELED'])
  const spans = await app.closeApp()
  const expectations: Array<[string, number]> = [['/refused', 502], ['/hang?by=timeout', 504], ['/hang?by=signal', 504], ['/hang?by=abort', 499]]
  for (const [target, status] of expectations) {
    const s = outgoingTo(spans, target)
    t.equal(s.attributes['http.response.status_code'], status, `${target}: ${status}`)
    t.equal(exceptionsOf(s).length, 1, `${target}: one exception event`)
    t.equal(errorsOf(s).length, 1)
  }
  t.match(exceptionsOf(outgoingTo(spans, '/refused'))[0]['exception.message'], /ECONNREFUSED/)
})

test('with monitorOutgoing on, an observeAxios call is recorded once, by observeAxios, redirects included', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/once', async (request) => {
      const res = await request.apitoolkit.observeAxios(axios, { urlWildcard: '/redirect' }).get(`${up.url}/redirect`)
      return res.data
    })
  })
  t.same((await call(app, '/once', 'once')).body, { id: '7', name: 'widget', token: 'tok-secret' })
  const spans = await app.closeApp()
  const { outgoing } = spansOfRequest(spans, 'once')
  t.equal(outgoing.length, 1, 'no monitor span for the call nor its redirect hop')
  t.equal(outgoing[0].attributes['http.route'], '/redirect')
  t.not(outgoing[0].attributes['http.response.body'], '', 'the observeAxios span, with the body')
  t.same(headerLines(up.one('/items/7'), 'traceparent'), [traceparentOf(outgoing[0])], 'the hop carries the call\'s traceparent only')
  t.equal(spans.filter(isOutgoing).length, 1)
})

test('the new instance keeps the given one\'s defaults and interceptors, and leaves it unchanged', async (t) => {
  const up = await startUpstream(t)
  const base = axios.create({ baseURL: up.url, headers: { 'x-default': 'd' } })
  base.interceptors.request.use((config) => { config.headers.set('x-intercepted', 'yes'); return config })
  base.interceptors.response.use((response) => ({ ...response, data: { wrapped: response.data } }))
  let same: boolean | undefined
  const app = await startApp(t, {}, (a) => {
    a.get('/kept', async (request) => {
      const observed = request.apitoolkit.observeAxios(base)
      same = observed === base
      const viaObserved = (await observed.get('/items/1')).data
      const viaBase = (await base.get('/items/2')).data
      return { viaObserved, viaBase }
    })
  })
  const item = (id: string): object => ({ wrapped: { id, name: 'widget', token: 'tok-secret' } })
  t.same((await call(app, '/kept', 'kept')).body, { viaObserved: item('1'), viaBase: item('2') })
  t.equal(same, false, 'a new instance')
  t.equal(up.one('/items/1').headers['x-intercepted'], 'yes')
  t.equal(up.one('/items/1').headers['x-default'], 'd')
  const spans = await app.closeApp()
  t.equal(spansOfRequest(spans, 'kept').outgoing.length, 1, 'only the observed instance\'s call')
  t.equal(outgoingTo(spans, '/items/1').attributes['http.request.header.x-intercepted'], 'yes', 'the request as the interceptors left it')
  t.same(JSON.parse(decodeBase64(outgoingTo(spans, '/items/1').attributes['http.response.body'])), { id: '1', name: 'widget', token: 'tok-secret' }, 'the body as received')
  t.same(headerLines(up.one('/items/2'), 'traceparent'), [], 'the given instance adds nothing')
})

test('request bodies of every kind axios sends: JSON, forms, text, bytes; streams are not read', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/bodies', async (request) => {
      const client = request.apitoolkit.observeAxios(axios)
      await client.post(`${up.url}/echo?kind=form`, new URLSearchParams({ a: '1', b: '2' }))
      await client.put(`${up.url}/echo?kind=text`, 'hello', { headers: { 'content-type': 'text/plain' } })
      await client.patch(`${up.url}/echo?kind=bytes`, Buffer.from('{"raw":true}'), { headers: { 'content-type': 'application/json' } })
      const { Readable } = await import('node:stream')
      await client.post(`${up.url}/echo?kind=stream`, Readable.from([Buffer.from('streamed')]), { headers: { 'content-type': 'text/plain' } })
      return { ok: true }
    })
  })
  await call(app, '/bodies', 'bodies')
  const spans = await app.closeApp()
  const body = (kind: string): unknown => {
    const value = outgoingTo(spans, `/echo?kind=${kind}`).attributes['http.request.body']
    return value === '' ? '' : JSON.parse(decodeBase64(value))
  }
  t.same(body('form'), { a: ['1'], b: ['2'] })
  t.equal(body('text'), 'hello')
  t.same(body('bytes'), { raw: true })
  t.equal(body('stream'), '', 'not read')
  t.equal(up.one('/echo?kind=stream').body, 'streamed', 'and sent whole')
})

test('an invalid per-call body path: the call goes out, and its body is withheld', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/bad-path', async (request) => {
      const client = request.apitoolkit.observeAxios(axios, { redactResponseBody: ['$.['] })
      return (await client.get(`${up.url}/items/5`)).data
    })
  })
  t.same((await call(app, '/bad-path', 'bad-path')).body, { id: '5', name: 'widget', token: 'tok-secret' })
  const s = outgoingTo(await app.closeApp(), '/items/5')
  t.equal(decodeBase64(s.attributes['http.response.body']), WITHHELD_BODY)
})

test('untraced requests and values that are not axios instances get what they gave back, unchanged', async (t) => {
  const up = await startUpstream(t)
  const logged: string[] = []
  const app = await startApp(t, { ignoreRoutes: ['/ignored'] }, (a) => {
    a.get('/ignored', async (request) => {
      const same = request.apitoolkit.observeAxios(axios) === axios
      await request.apitoolkit.observeAxios(axios).get(`${up.url}/items/ignored`)
      return { same, exported: observeAxios(request, axios) === axios }
    })
    a.get('/not-axios', async (request) => {
      const hostile = Object.defineProperty(() => {}, 'create', { get () { throw new Error('no create for you') } })
      const values: unknown[] = [{}, null, 42, () => {}, { interceptors: {} }, hostile]
      return values.map((v) => request.apitoolkit.observeAxios(v as typeof axios) === v)
    })
  })
  app.app.log.error = ((_obj: unknown, msg: string) => { logged.push(msg) }) as typeof app.app.log.error
  t.same((await call(app, '/ignored', 'ignored')).body, { same: true, exported: true })
  t.same((await call(app, '/not-axios', 'not-axios')).body, [true, true, true, true, true, true])
  t.match(logged, [/observeAxios failed/, /observeAxios failed/], 'logged (once per distinct failure), never thrown')
  t.equal(logged.length, 2)
  t.same(headerLines(up.one('/items/ignored'), 'traceparent'), [])
  t.equal((await app.closeApp()).filter(isOutgoing).length, 0)
})

test('the export observeAxios(request, instance, options) is request.apitoolkit.observeAxios', async (t) => {
  const up = await startUpstream(t)
  const app = await startApp(t, {}, (a) => {
    a.get('/exported', async (request) => {
      const client: AxiosInstance = observeAxios(request, axios, { urlWildcard: '/items/:id' })
      return (await client.get(`${up.url}/items/8`)).data
    })
  })
  t.same((await call(app, '/exported', 'exported')).body, { id: '8', name: 'widget', token: 'tok-secret' })
  t.equal(outgoingTo(await app.closeApp(), '/items/8').attributes['http.route'], '/items/:id')
})

test('100 concurrent requests through observeAxios: every span has its own request\'s parent ids', async (t) => {
  const up = await startUpstream(t)
  const shared = axios.create({ baseURL: up.url })
  const app = await startApp(t, { monitorOutgoing: true }, (a) => {
    a.get('/fan/:n', async (request) => {
      const n = (request.params as { n: string }).n
      const observed = request.apitoolkit.observeAxios(shared)
      await Promise.all([observed.get(`/items/afan-${n}?k=0`), shared.get(`/items/afan-${n}?k=1`)])
      return { ok: true }
    })
  })
  const ns = Array.from({ length: 100 }, (_, n) => n)
  await Promise.all(ns.map((n) => call(app, `/fan/${n}`, `afan-${n}`)))
  const spans = await app.closeApp()
  t.equal(linkedRequests(spans, ns.map((n) => `afan-${n}`), 2, (id) => `/items/${id}`), ns.length, 'one observeAxios span and one monitor span (the shared instance) per request')
})
