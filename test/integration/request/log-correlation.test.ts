// correlateLogs: every line logged through request.log names the request's trace and span, so a log line
// leads to its span; without the option, request.log is Fastify's own.
import { test } from 'tap'
import { spanFor, startHarness } from '../../helpers/harness'
import { logSink } from '../../helpers/log-sink'

test('correlateLogs: request.log lines carry the trace_id and span_id of the exported span', async (t) => {
  const sink = logSink()
  const h = await startHarness(t, (app) => {
    app.get('/work', async (request) => {
      request.log.info('doing the work')
      return { done: true }
    })
    app.addHook('onResponse', async (request) => { request.log.info('after the response') })
  }, { correlateLogs: true }, { logger: { level: 'info', stream: sink.stream } })
  for (const id of ['one', 'two']) t.equal((await fetch(`${h.url}/work`, { headers: { 'x-test-id': id } })).status, 200)
  const spans = await h.closeApp()
  for (const id of ['one', 'two']) {
    const span = spanFor(spans, id)
    const lines = sink.lines.filter((line) => line.trace_id === span.traceId)
    t.same(lines.map((line) => line.msg).filter((msg) => msg === 'doing the work' || msg === 'after the response'), ['doing the work', 'after the response'], `${id}: the handler's and the hook's lines`)
    t.ok(lines.every((line) => line.span_id === span.spanId), `${id}: the span id is the exported span's`)
  }
})

test('without correlateLogs, request.log lines have no trace ids', async (t) => {
  const sink = logSink()
  const h = await startHarness(t, (app) => {
    app.get('/work', async (request) => {
      request.log.info('doing the work')
      return { done: true }
    })
  }, {}, { logger: { level: 'info', stream: sink.stream } })
  t.equal((await fetch(`${h.url}/work`)).status, 200)
  await h.closeApp()
  const line = sink.lines.find((l) => l.msg === 'doing the work')
  t.ok(line !== undefined)
  t.equal(line?.trace_id, undefined)
  t.equal(line?.span_id, undefined)
})

test('correlateLogs on a route with no span leaves its log lines as they are', async (t) => {
  const sink = logSink()
  const h = await startHarness(t, (app) => {
    app.get('/health', { config: { apitoolkit: false } }, async (request) => {
      request.log.info('health checked')
      return { up: true }
    })
  }, { correlateLogs: true }, { logger: { level: 'info', stream: sink.stream } })
  t.equal((await fetch(`${h.url}/health`)).status, 200)
  t.same(await h.closeApp(), [])
  const line = sink.lines.find((l) => l.msg === 'health checked')
  t.ok(line !== undefined)
  t.equal(line?.trace_id, undefined)
})
