// Readable and JSON output of the collector: hand-built spans for each case, and one run through
// the real exporter → gRPC → decoder → printer path.
import t from 'tap'
import { startCollector } from '../lib/collector/collector-server'
import type { ReceivedSpan } from '../lib/collector/otlp-decode'
import {
  createSpanPrinter, decodeBody, formatOtherSpan, formatRequestBlock, formatSpanJson, parseErrors,
  prettyBody, toJsonSafe
} from '../lib/collector/collector-format'
import { directProvider, requestWithCall } from './helpers/otlp-sender'

const b64 = (text: string): string => Buffer.from(text).toString('base64')

function span (over: Partial<ReceivedSpan> = {}): ReceivedSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    name: 'apitoolkit-http-span',
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_012_500_000n, // 12.5 ms
    attributes: {},
    status: { code: 0, message: '' },
    resource: { 'service.name': 'orders-api' },
    scope: { name: 'apitoolkit-fastify', version: '0.1.0' },
    ...over
  }
}

const errorsJson = JSON.stringify([{
  when: '2024-01-01T00:00:00.000Z',
  error_type: 'TypeError',
  message: 'charge failed',
  root_error_type: 'ConnectionError',
  root_error_message: 'db down',
  stack_trace: 'TypeError: charge failed\n    at x'
}])

function incoming (msgId: string, extra: Record<string, unknown> = {}): ReceivedSpan {
  return span({
    attributes: {
      'net.host.name': 'localhost:3000',
      'apitoolkit.msg_id': msgId,
      'http.route': '/orders/:id',
      'http.target': '/orders/5?q=1&q=2',
      'http.request.method': 'POST',
      'http.response.status_code': 201,
      'http.request.query_params': '{"q":["1","2"]}',
      'http.request.path_params': '{"id":"5"}',
      'apitoolkit.sdk_type': 'JsFastify',
      'apitoolkit.parent_id': '',
      'http.request.body': b64('{"user":"ann","password":"[CLIENT_REDACTED]"}'),
      'http.response.body': b64('{"ok":true}'),
      'apitoolkit.errors': errorsJson,
      'apitoolkit.service_version': '2.3.0',
      'apitoolkit.tags': ['prod', 'eu'],
      'http.request.header.content-type': 'application/json',
      'http.request.header.authorization': '[CLIENT_REDACTED]',
      'http.response.header.content-length': '11',
      ...extra
    }
  })
}

function outgoing (parentId: string, target: string, startMs = 2): ReceivedSpan {
  const start = 1_700_000_000_000_000_000n + BigInt(startMs) * 1_000_000n
  return span({
    kind: 3,
    spanId: `c${startMs}`.padEnd(16, '0'),
    startTimeUnixNano: start,
    endTimeUnixNano: start + 3_250_000n, // 3.25 ms
    attributes: {
      'apitoolkit.sdk_type': 'JsOutgoing',
      'apitoolkit.parent_id': parentId,
      'apitoolkit.msg_id': `out-${target}`,
      'http.request.method': 'GET',
      'net.host.name': 'stock.example.com:8443',
      'http.route': '/items/:id',
      'http.target': target,
      'http.response.status_code': 200,
      'apitoolkit.errors': '[]'
    }
  })
}

function collect (): { out: string[], write: (s: string) => void } {
  const out: string[] = []
  return { out, write: (s) => { out.push(s) } }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---- the readable block ----------------------------------------------------------------------

t.test('a request block shows method, route, target, status, latency, service, headers, bodies, errors', async (t) => {
  const text = formatRequestBlock(incoming('m1'))
  const lines = text.split('\n')
  t.equal(lines[0], 'POST /orders/:id → 201 in 12.5 ms  [orders-api]')
  t.match(text, '\n  target: /orders/5?q=1&q=2\n')
  t.match(text, '\n  host: localhost:3000\n')
  t.match(text, '\n  path params: {"id":"5"}\n')
  t.match(text, '\n  query params: {"q":["1","2"]}\n')
  t.match(text, '\n  msg_id: m1  trace: 0af7651916cd43dd8448eb211c80319c\n')
  t.match(text, '\n  service version: 2.3.0  tags: prod, eu\n')
  t.match(text, '\n  request headers:\n    content-type: application/json\n    authorization: [CLIENT_REDACTED]\n')
  t.match(text, '\n  request body:\n    {\n      "user": "ann",\n      "password": "[CLIENT_REDACTED]"\n    }\n')
  t.match(text, '\n  response headers:\n    content-length: 11\n')
  t.match(text, '\n  response body:\n    {\n      "ok": true\n    }\n')
  t.match(text, '\n  errors (1):\n    TypeError: charge failed\n      root cause: ConnectionError: db down\n')
  t.notMatch(text, 'outgoing calls')
  t.ok(text.endsWith('\n\n'), 'blocks are separated by a blank line')
})

t.test('bodies: a whole-body redaction marker, empty, non-JSON text, binary, cut UTF-8', async (t) => {
  const text = formatRequestBlock(incoming('m1', {
    'http.request.body': b64('[CLIENT_REDACTED]'),
    'http.response.body': ''
  }))
  t.match(text, '\n  request body:\n    [CLIENT_REDACTED]\n')
  t.match(text, '\n  response body: (empty)\n')

  const binary = formatRequestBlock(incoming('m1', { 'http.response.body': Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }))
  t.match(binary, '\n  response body: (3 bytes, not text; base64 //4A)\n')

  t.same(decodeBody(b64('plain text')), { text: 'plain text', binary: false, bytes: 10 })
  // 'é' is two bytes; a body cut after the first is still text, without the broken tail.
  const cut = Buffer.from('café').subarray(0, 4).toString('base64')
  t.same(decodeBody(cut), { text: 'caf', binary: false, bytes: 4 })
  t.same(decodeBody(undefined), { text: '', binary: false, bytes: 0 })
  t.equal(prettyBody('{"a":[1]}'), '{\n  "a": [\n    1\n  ]\n}')
  t.equal(prettyBody('not json {'), 'not json {')
})

t.test('errors: several, same root, and a value that is not a JSON array', async (t) => {
  const same = JSON.stringify([
    { error_type: 'Error', message: 'a', root_error_type: 'Error', root_error_message: 'a' },
    { error_type: 'RangeError', message: 'b', root_error_type: 'Error', root_error_message: 'c' }
  ])
  const text = formatRequestBlock(incoming('m1', { 'apitoolkit.errors': same }))
  t.match(text, '\n  errors (2):\n    Error: a\n    RangeError: b\n      root cause: Error: c\n')
  t.notMatch(formatRequestBlock(incoming('m1', { 'apitoolkit.errors': '[]' })), 'errors')
  t.match(formatRequestBlock(incoming('m1', { 'apitoolkit.errors': 'oops' })), '\n  errors (not a JSON array): oops\n')
  t.same(parseErrors('{"not":"an array"}'), '{"not":"an array"}')
  t.same(parseErrors(undefined), [])
})

t.test('a 5xx span with status ERROR is marked; other spans get one line', async (t) => {
  const failed = span({ ...incoming('m1'), status: { code: 2, message: 'Internal Server Error' } })
  t.match(formatRequestBlock(failed).split('\n')[0], /\[span status ERROR: Internal Server Error\]$/)
  const other = span({ name: 'GET /health', kind: 1, spanId: '1111111111111111', resource: {} })
  t.equal(formatOtherSpan(other), 'span GET /health (INTERNAL) 12.5 ms  trace: 0af7651916cd43dd8448eb211c80319c span: 1111111111111111\n')
})

// ---- the printer: outgoing calls under their request ---------------------------------------------

t.test('outgoing spans that arrive first are nested under their request, in start order', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, orphanDelayMs: 10_000 })
  printer.push([outgoing('m1', '/items/2', 5), outgoing('other', '/x')])
  printer.push([outgoing('m1', '/items/1', 1)])
  t.same(out, [], 'nothing printed while the request is missing')
  printer.push([incoming('m1')])
  t.equal(out.length, 1)
  t.match(out[0], '\n  outgoing calls (2):\n' +
    '    GET stock.example.com:8443/items/1 → 200 in 3.25 ms\n' +
    '    GET stock.example.com:8443/items/2 → 200 in 3.25 ms\n')
  t.ok(out[0].startsWith('POST /orders/:id → 201'))
  printer.flush()
  t.equal(out.length, 2, 'the other request\'s call is still printed, on flush')
  t.match(out[1], /^outgoing call GET stock\.example\.com:8443\/x → 200 in 3\.25 ms {2}\(its request span was not received\)\n {2}parent msg_id: other /)
})

t.test('in one batch, the order of request and outgoing call does not matter', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write })
  const failing = outgoing('m1', '/down')
  failing.attributes['http.response.status_code'] = 0
  failing.attributes['apitoolkit.errors'] = JSON.stringify([{ error_type: 'TypeError', message: 'fetch failed', root_error_type: 'Error', root_error_message: 'ECONNREFUSED' }])
  printer.push([incoming('m1'), failing])
  t.equal(out.length, 1)
  t.match(out[0], '\n  outgoing calls (1):\n    GET stock.example.com:8443/down → 0 in 3.25 ms\n' +
    '      errors (1):\n        TypeError: fetch failed\n          root cause: Error: ECONNREFUSED\n')
  printer.flush()
  t.equal(out.length, 1, 'nothing left behind')
})

t.test('orphans are flushed on their own after the delay; a late call names its printed request', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, orphanDelayMs: 300 })
  const pushed = Date.now()
  printer.push([outgoing('gone', '/a')])
  t.same(out, [], 'waits for its request first')
  while (out.length === 0 && Date.now() - pushed < 5000) await sleep(10)
  t.ok(Date.now() - pushed >= 290, 'printed after the delay, not before')
  t.equal(out.length, 1)
  t.match(out[0], '(its request span was not received)')
  t.match(out[0], 'parent msg_id: gone')

  printer.push([incoming('m2')])
  printer.push([outgoing('m2', '/late')])
  t.equal(out.length, 3, 'printed at once: its request is already out')
  t.match(out[2], /^outgoing call GET stock\.example\.com:8443\/late .*\(ended after its request was printed\)/)

  const noParent = outgoing('', '/none')
  printer.push([noParent])
  t.match(out[3], '(no parent msg_id)')
})

// ---- JSON lines --------------------------------------------------------------------------------

t.test('--json: one parseable line per span, bigint as string, Buffer as base64, bodies decoded', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, json: true })
  const other = span({ name: 'raw', kind: 1, attributes: { raw: Buffer.from([1, 2, 3]), big: 2n ** 60n, nested: { list: [Buffer.from('x')] } } })
  printer.push([outgoing('m1', '/items/1'), incoming('m1'), other])
  t.equal(out.length, 3, 'no buffering in JSON mode')
  for (const line of out) t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'exactly one line')
  const [child, parent, raw] = out.map((line) => JSON.parse(line))
  t.equal(child.attributes['apitoolkit.parent_id'], 'm1')
  t.equal(parent.startTimeUnixNano, '1700000000000000000')
  t.equal(parent.endTimeUnixNano, '1700000000012500000')
  t.equal(parent.requestBody, '{"user":"ann","password":"[CLIENT_REDACTED]"}')
  t.equal(parent.responseBody, '{"ok":true}')
  t.equal(parent.attributes['http.request.body'], b64('{"user":"ann","password":"[CLIENT_REDACTED]"}'), 'the raw attribute stays')
  t.same(parent.resource, { 'service.name': 'orders-api' })
  t.same(parent.status, { code: 0, message: '' })
  t.equal(raw.attributes.raw, 'AQID')
  t.equal(raw.attributes.big, '1152921504606846976')
  t.same(raw.attributes.nested, { list: ['eA=='] })
  t.notOk('requestBody' in raw, 'no body fields on spans without bodies')
  t.equal(formatSpanJson(incoming('m1')), out[1])
  t.same(toJsonSafe([1n, 'a', null, true]), ['1', 'a', null, true])
})

// ---- end to end: exporter → gRPC → decoder → printer -------------------------------------------

t.test('spans sent over gRPC print as one block with the outgoing call nested', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, orphanDelayMs: 10_000 })
  const c = await startCollector({ onSpans: (spans) => printer.push(spans) })
  t.teardown(() => c.close())
  const provider = directProvider(t, c.endpoint, 'e2e-api')
  const tracer = provider.getTracer('apitoolkit-fastify')
  // The outgoing call ends (and, with a simple processor, is exported) before its request.
  const { request, call } = requestWithCall(tracer)
  call.setAttributes({
    'apitoolkit.sdk_type': 'JsOutgoing',
    'apitoolkit.parent_id': 'e2e-1',
    'http.request.method': 'GET',
    'net.host.name': 'upstream.test',
    'http.target': '/stock?sku=1',
    'http.response.status_code': 200
  })
  call.end([1700000000, 5_000_000])
  await c.waitForSpans(1)
  t.same(out, [], 'the call waits for its request')
  request.setAttributes({
    'apitoolkit.msg_id': 'e2e-1',
    'apitoolkit.sdk_type': 'JsFastify',
    'http.request.method': 'GET',
    'http.route': '/orders/:id',
    'http.target': '/orders/7',
    'http.response.status_code': 200,
    'http.response.body': b64('{"id":7}'),
    'http.request.header.authorization': '[CLIENT_REDACTED]'
  })
  request.end([1700000000, 20_000_000])
  await c.waitForSpans(2)
  t.equal(out.length, 1)
  t.match(out[0], /^GET \/orders\/:id → 200 in 20\.0 ms {2}\[e2e-api\]\n {2}target: \/orders\/7\n/)
  t.match(out[0], '\n    authorization: [CLIENT_REDACTED]\n')
  t.match(out[0], '\n  response body:\n    {\n      "id": 7\n    }\n')
  t.match(out[0], '\n  outgoing calls (1):\n    GET upstream.test/stock?sku=1 → 200 in 4.00 ms\n')
})
