// `'errors'` capture: bodies only for requests that end with status ≥ 400 or a recorded error, redacted
// like any captured body; the client's response never changes.
import { test } from 'tap'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'

const OPTIONS = {
  captureRequestBody: 'errors' as const,
  captureResponseBody: 'errors' as const,
  redactRequestBody: ['$.password'],
  redactResponseBody: ['$.token']
}

function post (url: string, id: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'x-test-id': id, 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

function bodies (span: { attributes: Record<string, unknown> }): [unknown, unknown] {
  const parse = (name: string): unknown => span.attributes[name] === '' ? '' : JSON.parse(decodeBase64(span.attributes[name]))
  return [parse('http.request.body'), parse('http.response.body')]
}

test("'errors': a 200 has no bodies, a 400 and a 500 have them, redacted", async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/orders/:outcome', async (request, reply) => {
      const outcome = (request.params as { outcome: string }).outcome
      if (outcome === 'crash') throw new Error('crashed')
      return reply.code(outcome === 'bad' ? 400 : 200).send({ outcome, token: 'tok-1' })
    })
  }, OPTIONS)
  const sent = { item: 'book', password: 'hunter2' }
  for (const outcome of ['ok', 'bad', 'crash']) {
    const res = await post(`${h.url}/orders/${outcome}`, outcome, sent)
    t.equal(res.status, outcome === 'ok' ? 200 : outcome === 'bad' ? 400 : 500)
    if (outcome !== 'crash') t.same(await res.json(), { outcome, token: 'tok-1' }, 'the client gets the real values')
  }
  const spans = await h.closeApp()
  t.same(bodies(spanFor(spans, 'ok')), ['', ''], 'a 200: no bodies')
  t.same(bodies(spanFor(spans, 'bad')), [{ item: 'book', password: '[CLIENT_REDACTED]' }, { outcome: 'bad', token: '[CLIENT_REDACTED]' }])
  const [request, response] = bodies(spanFor(spans, 'crash'))
  t.same(request, { item: 'book', password: '[CLIENT_REDACTED]' })
  t.match(response, { statusCode: 500, message: 'crashed' })
})

test("'errors': a reported error on a 200 counts as an error; a body that failed validation is captured", async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/reported', async (request) => {
      request.apitoolkit.reportError(new Error('partial failure'))
      return { token: 'tok-2', ok: true }
    })
    app.post('/validated', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }))
  }, OPTIONS)
  t.equal((await post(`${h.url}/reported`, 'reported', { password: 'p', n: 1 })).status, 200)
  t.equal((await post(`${h.url}/validated`, 'invalid', { password: 'p' })).status, 400)
  const spans = await h.closeApp()
  t.same(bodies(spanFor(spans, 'reported')), [{ password: '[CLIENT_REDACTED]', n: 1 }, { token: '[CLIENT_REDACTED]', ok: true }])
  const [request, response] = bodies(spanFor(spans, 'invalid'))
  t.same(request, { password: '[CLIENT_REDACTED]' })
  t.match(response, { statusCode: 400, code: 'FST_ERR_VALIDATION' })
})

test("'errors' for one direction, true for the other: each follows its own mode", async (t) => {
  const h = await startHarness(t, (app) => {
    app.post('/mixed/:status', async (request, reply) => reply.code(Number((request.params as { status: string }).status)).send({ token: 't', fine: true }))
  }, { ...OPTIONS, captureRequestBody: true })
  t.equal((await post(`${h.url}/mixed/201`, 'created', { password: 'p' })).status, 201)
  t.equal((await post(`${h.url}/mixed/404`, 'missing', { password: 'p' })).status, 404)
  const spans = await h.closeApp()
  t.same(bodies(spanFor(spans, 'created')), [{ password: '[CLIENT_REDACTED]' }, ''])
  t.same(bodies(spanFor(spans, 'missing')), [{ password: '[CLIENT_REDACTED]' }, { token: '[CLIENT_REDACTED]', fine: true }])
})
