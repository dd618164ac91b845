// Query values redacted by name in what the span sends: incoming requests and outgoing calls alike.
import { test } from 'tap'
import { spanFor, startHarness } from '../../helpers/harness'
import { startUpstream } from '../../helpers/upstream'

test('?token=…&q=1: the token is withheld in http.target and query_params, incoming and outgoing', async (t) => {
  const upstream = await startUpstream(t)
  const h = await startHarness(t, (app) => {
    app.get('/search', async (request) => {
      const res = await request.apitoolkit.observe.get(`${upstream.url}/items/1?token=s3cr3tTok&q=1&Tenant=tenant-xyz`)
      return await res.json()
    })
  }, { redactQueryParams: ['tenant'] })
  const res = await fetch(`${h.url}/search?token=s3cr3tTok&q=1&tenant=tenant-xyz`, { headers: { 'x-test-id': 'search' } })
  t.equal(res.status, 200, 'served as usual')
  await res.text()
  t.equal(upstream.one('/items/1?token=s3cr3tTok&q=1&Tenant=tenant-xyz').url, '/items/1?token=s3cr3tTok&q=1&Tenant=tenant-xyz', 'the upstream gets the query as sent')
  const spans = await h.closeApp()
  const incoming = spanFor(spans, 'search')
  t.equal(incoming.attributes['http.target'], '/search?token=[CLIENT_REDACTED]&q=1&tenant=[CLIENT_REDACTED]')
  t.same(JSON.parse(String(incoming.attributes['http.request.query_params'])), { token: ['[CLIENT_REDACTED]'], q: ['1'], tenant: ['[CLIENT_REDACTED]'] })
  const outgoing = spans.find((s) => s.attributes['apitoolkit.sdk_type'] === 'JsOutgoing')
  t.equal(outgoing?.attributes['http.target'], '/items/1?token=[CLIENT_REDACTED]&q=1&Tenant=[CLIENT_REDACTED]')
  t.same(JSON.parse(String(outgoing?.attributes['http.request.query_params'])), { token: ['[CLIENT_REDACTED]'], q: ['1'], Tenant: ['[CLIENT_REDACTED]'] })
  for (const span of spans) t.notMatch(JSON.stringify(span.attributes), /s3cr3tTok|tenant-xyz/, 'the values are nowhere in the span')
})

test('an app that reads ; as the query delimiter (useSemicolonDelimiter): the token is withheld there too', async (t) => {
  const h = await startHarness(t, (app) => {
    app.get('/search', async (request) => ({ query: request.query }))
  }, {}, { useSemicolonDelimiter: true })
  const res = await fetch(`${h.url}/search;token=s3cr3tTok&q=1`, { headers: { 'x-test-id': 'semi' } })
  t.same(await res.json(), { query: { token: 's3cr3tTok', q: '1' } }, 'the app reads the query after ;')
  const span = spanFor(await h.closeApp(), 'semi')
  t.equal(span.attributes['http.route'], '/search')
  t.equal(span.attributes['http.target'], '/search;token=[CLIENT_REDACTED]&q=1')
  t.same(JSON.parse(String(span.attributes['http.request.query_params'])), { token: ['[CLIENT_REDACTED]'], q: ['1'] })
  t.notMatch(JSON.stringify(span.attributes), /s3cr3tTok/)
})
