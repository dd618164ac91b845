// Readable and JSON output of the collector: hand-built spans for each case of the formatter, and
// spans made with the official SDK and decoded from the OTLP serializer's bytes for what the plugin
// sends (exception events, outgoing calls, bodies, user and tenant).
import t from 'tap'
import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api'
import type { ReceivedSpan, SpanEvent } from '../../../lib/collector/otlp-decode'
import {
  createSpanPrinter, decodeBody, formatOtherSpan, formatRequestBlock, formatSpanJson, isIncomingSpan,
  maskProjectKey, prettyJson, summarizeException, toJsonSafe
} from '../../../lib/collector/collector-format'
import { ATTR, SPAN_NAME } from '../../../lib/span/names'
import { addException, b64, decodedSpans, startIncoming, startOutgoing } from '../../helpers/otlp-sender'

const START = 1_700_000_000_000_000_000n

function span (over: Partial<ReceivedSpan> = {}): ReceivedSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    traceState: '',
    name: SPAN_NAME,
    kind: 2,
    startTimeUnixNano: START,
    endTimeUnixNano: START + 12_500_000n, // 12.5 ms
    attributes: {},
    status: { code: 0, message: '' },
    flags: 0,
    events: [],
    resource: { 'service.name': 'orders-api' },
    scope: { name: 'apitoolkit-fastify', version: '0.1.0' },
    ...over
  }
}

function exception (type: string, message: string, stacktrace: string, atMs = 3): SpanEvent {
  return {
    timeUnixNano: START + BigInt(atMs) * 1_000_000n,
    name: 'exception',
    attributes: { 'exception.type': type, 'exception.message': message, 'exception.stacktrace': stacktrace }
  }
}

const chargeFailed = exception('TypeError', 'charge failed',
  'TypeError: charge failed\n    at charge (/app/orders.js:10:5)\n    at handler (/app/routes.js:4:3)\nCaused by: ConnectionError: db down')

function incoming (msgId: string, extra: Record<string, unknown> = {}, events: SpanEvent[] = [chargeFailed]): ReceivedSpan {
  return span({
    events,
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
      'apitoolkit.errors': '[]',
      'apitoolkit.service_version': '2.3.0',
      'apitoolkit.tags': ['prod', 'eu'],
      'http.request.header.content-type': 'application/json',
      'http.request.header.authorization': '[CLIENT_REDACTED]',
      'http.response.header.content-length': '11',
      ...extra
    }
  })
}

function outgoing (parentId: string, target: string, startMs = 2, over: Partial<ReceivedSpan> = {}): ReceivedSpan {
  const start = START + BigInt(startMs) * 1_000_000n
  return span({
    kind: 3,
    spanId: `c${startMs}`.padEnd(16, '0'),
    parentSpanId: 'b7ad6b7169203331',
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
      'http.request.body': '',
      'http.response.body': '',
      'apitoolkit.errors': '[]'
    },
    ...over
  })
}

function collect (): { out: string[], write: (s: string) => void } {
  const out: string[] = []
  return { out, write: (s) => { out.push(s) } }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

// ---- the readable block ----------------------------------------------------------------------

t.test('a request block shows method, route, target, status, latency, service, span, headers, bodies, errors', async (t) => {
  const text = formatRequestBlock(incoming('m1'))
  t.equal(text, [
    'POST /orders/:id → 201 in 12.5 ms  [orders-api]',
    '  target: /orders/5?q=1&q=2',
    '  host: localhost:3000',
    '  path params: {"id":"5"}',
    '  query params: {"q":["1","2"]}',
    '  msg_id: m1  trace: 0af7651916cd43dd8448eb211c80319c',
    '  span: b7ad6b7169203331 SERVER  parent: (root)',
    '  sent by: scope apitoolkit-fastify 0.1.0, at-project-key not set',
    '  service version: 2.3.0  tags: prod, eu',
    '  request headers:',
    '    content-type: application/json',
    '    authorization: [CLIENT_REDACTED]',
    '  request body:',
    '    {',
    '      "user": "ann",',
    '      "password": "[CLIENT_REDACTED]"',
    '    }',
    '  response headers:',
    '    content-length: 11',
    '  response body:',
    '    {',
    '      "ok": true',
    '    }',
    '  errors (1):',
    '    TypeError: charge failed  (at +3.00 ms)',
    '      at charge (/app/orders.js:10:5)',
    '      at handler (/app/routes.js:4:3)',
    '      Caused by: ConnectionError: db down',
    '', ''
  ].join('\n'))
  t.notMatch(text, 'outgoing calls')
  t.notMatch(text, 'user:', 'no user line when no user attribute is set')
  t.notMatch(text, 'tenant:', 'no tenant line when no tenant attribute is set')
})

t.test('bodies: "(not captured)" for empty, JSON strings on one line, non-JSON and binary flagged', async (t) => {
  const text = formatRequestBlock(incoming('m1', {
    'http.request.body': b64('"[CLIENT_REDACTED]"'),
    'http.response.body': ''
  }))
  t.match(text, '\n  request body: "[CLIENT_REDACTED]"\n')
  t.match(text, '\n  response body: (not captured)\n')
  t.notMatch(text, '(empty)', 'an empty body means nothing was captured, never an empty body')

  const absent = incoming('m1')
  delete absent.attributes['http.request.body']
  t.match(formatRequestBlock(absent), '\n  request body: (not captured)\n', 'an absent attribute is not captured either')

  // The backend shows {} for what is not JSON: the block says so instead of passing it off as a body.
  const bare = formatRequestBlock(incoming('m1', { 'http.request.body': b64('[CLIENT_REDACTED]') }))
  t.match(bare, '\n  request body (not JSON, the backend shows {}):\n    [CLIENT_REDACTED]\n')

  const scalars = formatRequestBlock(incoming('m1', { 'http.request.body': b64('42'), 'http.response.body': b64('[]') }))
  t.match(scalars, '\n  request body: 42\n')
  t.match(scalars, '\n  response body: []\n')

  const binary = formatRequestBlock(incoming('m1', { 'http.response.body': Buffer.from([0xff, 0xfe, 0x00]).toString('base64') }))
  t.match(binary, '\n  response body: (3 bytes, not text; base64 //4A)\n')

  t.same(decodeBody(b64('plain text')), { text: 'plain text', binary: false, bytes: 10 })
  // A body cut inside a UTF-8 sequence is not JSON the backend can read: it is reported, not repaired.
  const cut = Buffer.from('"café"').subarray(0, 5).toString('base64')
  t.same(decodeBody(cut), { text: '"caf\ufffd', binary: true, bytes: 5 })
  t.same(decodeBody(undefined), { text: '', binary: false, bytes: 0 })
  t.equal(prettyJson('{"a":[1]}'), '{\n  "a": [\n    1\n  ]\n}')
  t.equal(prettyJson('not json {'), undefined)
})

t.test('errors: several exception events, long stacks cut, untyped errors and other events shown', async (t) => {
  const frames = Array.from({ length: 6 }, (_, i) => `    at f${i} (/app/x.js:${i}:1)`).join('\n')
  const events: SpanEvent[] = [
    exception('Error', 'a', `Error: a\n${frames}`, 1),
    exception('', 'line one\nline two', 'Error: line one\nline two\n    at g (/app/y.js:1:1)', 2),
    { timeUnixNano: START + 4_000_000n, name: 'cache miss', attributes: { key: 'k', size: 2n ** 60n } }
  ]
  const text = formatRequestBlock(incoming('m1', {}, events))
  t.match(text, '\n  errors (2):\n' +
    '    Error: a  (at +1.00 ms)\n' +
    '      at f0 (/app/x.js:0:1)\n      at f1 (/app/x.js:1:1)\n      at f2 (/app/x.js:2:1)\n' +
    '      … 3 more frames\n' +
    '    (no exception.type): line one\n      line two  (at +2.00 ms)\n' +
    '      at g (/app/y.js:1:1)\n' +
    '  event cache miss (at +4.00 ms) {"key":"k","size":"1152921504606846976"}\n')
  t.notMatch(formatRequestBlock(incoming('m1', {}, [])), 'errors', 'no errors section without exception events')
  t.same(summarizeException(exception('E', 'm', '')), { type: 'E', message: 'm', frames: [], moreFrames: 0, causes: [] })
})

t.test('a 5xx span with status ERROR is marked; other spans get one line', async (t) => {
  const failed = span({ ...incoming('m1'), status: { code: 2, message: 'Internal Server Error' } })
  t.match(formatRequestBlock(failed).split('\n')[0], /\[span status ERROR: Internal Server Error\]$/)
  const other = span({ name: 'GET /health', kind: 1, spanId: '1111111111111111', resource: {} })
  t.equal(formatOtherSpan(other), 'span GET /health (INTERNAL) 12.5 ms  trace: 0af7651916cd43dd8448eb211c80319c span: 1111111111111111\n')
})

t.test('requests are recognised by span name and sdk type, whatever their kind', async (t) => {
  t.ok(isIncomingSpan(incoming('m1')), 'SERVER')
  t.ok(isIncomingSpan(span({ ...incoming('m1'), kind: 1 })), 'INTERNAL, under another instrumentation\'s server span')
  t.notOk(isIncomingSpan(span({ ...incoming('m1'), name: 'apitoolkit-http-span' })), 'the old span name')
  t.notOk(isIncomingSpan(outgoing('m1', '/a')), 'an outgoing call')
})

t.test('the project key is never printed whole', async (t) => {
  t.equal(maskProjectKey('pk_0123456789abcdef'), '…cdef')
  t.equal(maskProjectKey('key-123'), '…', 'a short key is hidden whole')
  t.equal(maskProjectKey(undefined), '')
  t.equal(maskProjectKey(''), '')
})

// ---- the printer: outgoing calls under their request ---------------------------------------------

t.test('outgoing spans that arrive first are nested under their request, in start order, with their details', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, orphanDelayMs: 10_000 })
  printer.push([outgoing('m1', '/items/2', 5), outgoing('other', '/x', 2, { parentSpanId: 'ffffffffffffffff' })])
  printer.push([outgoing('m1', '/items/1', 1)])
  t.same(out, [], 'nothing printed while the request is missing')
  printer.push([incoming('m1', {}, [])])
  t.equal(out.length, 1)
  t.match(out[0], '\n  outgoing calls (2):\n' +
    '    GET stock.example.com:8443/items/:id → 200 in 3.25 ms\n' +
    '      target: /items/1\n' +
    '      request headers: (none)\n' +
    '      request body: (not captured)\n' +
    '      response headers: (none)\n' +
    '      response body: (not captured)\n' +
    '    GET stock.example.com:8443/items/:id → 200 in 3.25 ms\n' +
    '      target: /items/2\n')
  t.ok(out[0].startsWith('POST /orders/:id → 201'))
  printer.flush()
  t.equal(out.length, 2, 'the other request\'s call is still printed, on flush')
  t.match(out[1], /^outgoing call GET stock\.example\.com:8443\/items\/:id → 200 in 3\.25 ms {2}\(its request span was not received\)\n {2}parent msg_id: other .*\n {2}target: \/x\n/)
})

t.test('an outgoing span is matched by its parent span id when it has no parent msg_id', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write })
  printer.push([outgoing('', '/by-span')])
  t.same(out, [], 'waits for the span it is a child of')
  printer.push([incoming('m1', {}, [])])
  t.equal(out.length, 1)
  t.match(out[0], '\n  outgoing calls (1):\n    GET stock.example.com:8443/items/:id → 200 in 3.25 ms\n      target: /by-span\n')
  printer.flush()
  t.equal(out.length, 1, 'nothing left behind')
})

t.test('in one batch, the order of request and outgoing call does not matter; a failed call shows its error', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write })
  const failing = outgoing('m1', '/down', 2, {
    status: { code: 2, message: 'fetch failed' },
    events: [exception('TypeError', 'fetch failed', 'TypeError: fetch failed\n    at fetch (node:internal/deps/undici:1:1)\nCaused by: Error: connect ECONNREFUSED 127.0.0.1:1', 4)]
  })
  failing.attributes['http.response.status_code'] = 502
  printer.push([incoming('m1', {}, []), failing])
  t.equal(out.length, 1)
  t.match(out[0], '\n  outgoing calls (1):\n    GET stock.example.com:8443/items/:id → 502 in 3.25 ms  [span status ERROR: fetch failed]\n' +
    '      target: /down\n')
  t.match(out[0], '\n      response body: (not captured)\n' +
    '      errors (1):\n        TypeError: fetch failed  (at +2.00 ms)\n' +
    '          at fetch (node:internal/deps/undici:1:1)\n          Caused by: Error: connect ECONNREFUSED 127.0.0.1:1\n')
  printer.flush()
  t.equal(out.length, 1, 'nothing left behind')
})

t.test('orphans are flushed on their own after the delay; a late call names its printed request', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, orphanDelayMs: 300 })
  const pushed = Date.now()
  printer.push([outgoing('gone', '/a', 2, { parentSpanId: 'eeeeeeeeeeeeeeee' })])
  t.same(out, [], 'waits for its request first')
  while (out.length === 0 && Date.now() - pushed < 5000) await sleep(10)
  t.ok(Date.now() - pushed >= 290, 'printed after the delay, not before')
  t.equal(out.length, 1)
  t.match(out[0], '(its request span was not received)')
  t.match(out[0], 'parent msg_id: gone')

  printer.push([incoming('m2', {}, [])])
  printer.push([outgoing('m2', '/late', 2, { parentSpanId: 'dddddddddddddddd' })])
  t.equal(out.length, 3, 'printed at once: its request is already out')
  t.match(out[2], /^outgoing call GET stock\.example\.com:8443\/items\/:id .*\(ended after its request was printed\)/)
  printer.push([outgoing('', '/late-by-span')])
  t.match(out[3], '(ended after its request was printed)', 'known by its parent span id too')

  printer.push([outgoing('', '/none', 2, { parentSpanId: '' })])
  t.match(out[4], '(no parent to wait for)')
})

// ---- JSON lines --------------------------------------------------------------------------------

t.test('--json: one parseable line per span with events and status; bigint as string, Buffer as base64, bodies decoded, key masked', async (t) => {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write, json: true })
  const other = span({ name: 'raw', kind: 1, attributes: { raw: Buffer.from([1, 2, 3]), big: 2n ** 60n, nested: { list: [Buffer.from('x')] } } })
  const request = span({
    ...incoming('m1'),
    status: { code: 2, message: 'charge failed' },
    resource: { 'service.name': 'orders-api', 'at-project-key': 'pk_0123456789abcdef' }
  })
  printer.push([outgoing('m1', '/items/1'), request, other])
  t.equal(out.length, 3, 'no buffering in JSON mode')
  for (const line of out) t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'exactly one line')
  const [child, parent, raw] = out.map((line) => JSON.parse(line))
  t.equal(child.attributes['apitoolkit.parent_id'], 'm1')
  t.equal(child.requestBody, '', 'an empty body attribute stays empty')
  t.equal(parent.startTimeUnixNano, '1700000000000000000')
  t.equal(parent.endTimeUnixNano, '1700000000012500000')
  t.equal(parent.requestBody, '{"user":"ann","password":"[CLIENT_REDACTED]"}')
  t.equal(parent.responseBody, '{"ok":true}')
  t.equal(parent.attributes['http.request.body'], b64('{"user":"ann","password":"[CLIENT_REDACTED]"}'), 'the raw attribute stays')
  t.same(parent.resource, { 'service.name': 'orders-api', 'at-project-key': '…cdef' })
  t.same(parent.status, { code: 2, message: 'charge failed' })
  t.same(parent.events, [{
    timeUnixNano: '1700000000003000000',
    name: 'exception',
    attributes: chargeFailed.attributes
  }])
  t.equal(parent.flags, 0)
  t.equal(raw.attributes.raw, 'AQID')
  t.equal(raw.attributes.big, '1152921504606846976')
  t.same(raw.attributes.nested, { list: ['eA=='] })
  t.notOk('requestBody' in raw, 'no body fields on spans without bodies')
  t.same(raw.resource, { 'service.name': 'orders-api' }, 'no project key is not turned into a masked one')
  t.equal(formatSpanJson(request), out[1])
  t.same(toJsonSafe([1n, 'a', null, true]), ['1', 'a', null, true])
})

// ---- spans made by the official SDK, decoded from OTLP bytes ------------------------------------

/** The printed output of the spans `build` makes, as the collector receives them in one export. */
async function printed (build: Parameters<typeof decodedSpans>[0], resource: Record<string, string> = { 'service.name': 'orders-api' }): Promise<string> {
  const { out, write } = collect()
  const printer = createSpanPrinter({ write })
  printer.push(await decodedSpans(build, resource))
  printer.flush()
  return out.join('')
}

t.test('an exception event with a cause chain prints its type, message, first stack frames and every Caused by line', async (t) => {
  const text = await printed((tracer) => {
    const request = startIncoming(tracer, 'r1', { [ATTR.method]: 'POST', [ATTR.route]: '/pay', [ATTR.status]: 500 })
    const stack = [
      'PaymentError: card declined',
      '    at charge (/app/pay.js:10:5)',
      '    at process (/app/pay.js:20:3)',
      '    at handler (/app/routes.js:4:3)',
      '    at run (/app/node_modules/fastify/lib/handle.js:1:1)',
      'Caused by: GatewayError: upstream said 402',
      'Caused by: Error: insufficient funds'
    ].join('\n')
    addException(request, 'PaymentError', 'card declined', stack, [1700000000, 4_000_000])
    request.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' })
    request.end([1700000000, 9_000_000])
  })
  t.match(text, /^POST \/pay → 500 in 9\.00 ms {2}\[orders-api\] {2}\[span status ERROR: card declined\]\n/)
  t.match(text, '\n  errors (1):\n' +
    '    PaymentError: card declined  (at +4.00 ms)\n' +
    '      at charge (/app/pay.js:10:5)\n' +
    '      at process (/app/pay.js:20:3)\n' +
    '      at handler (/app/routes.js:4:3)\n' +
    '      … 1 more frame\n' +
    '      Caused by: GatewayError: upstream said 402\n' +
    '      Caused by: Error: insufficient funds\n')
})

t.test('an outgoing call is nested under its request with host + route, target, status, latency, headers and bodies', async (t) => {
  const text = await printed((tracer) => {
    const request = startIncoming(tracer, 'r2', { [ATTR.method]: 'GET', [ATTR.route]: '/orders/:id', [ATTR.status]: 200 })
    const call = startOutgoing(tracer, request, 'r2', {
      [ATTR.method]: 'POST',
      [ATTR.hostName]: 'stock.example.com:8443',
      [ATTR.route]: '/items/:id',
      [ATTR.target]: '/items/42?sku=[CLIENT_REDACTED]',
      [ATTR.status]: 201,
      'http.request.header.content-type': 'application/json',
      'http.request.header.authorization': '[CLIENT_REDACTED]',
      'http.response.header.content-type': 'application/json',
      [ATTR.requestBody]: b64('{"qty":2}'),
      [ATTR.responseBody]: b64('{"id":42,"left":[1,2]}')
    })
    call.end([1700000000, 3_500_000])
    request.end([1700000000, 6_000_000])
  })
  t.equal(text.split('\n\n').length, 2, 'one block, nothing printed alone')
  t.match(text, '\n  outgoing calls (1):\n' +
    '    POST stock.example.com:8443/items/:id → 201 in 2.50 ms\n' +
    '      target: /items/42?sku=[CLIENT_REDACTED]\n' +
    '      request headers:\n' +
    '        content-type: application/json\n' +
    '        authorization: [CLIENT_REDACTED]\n' +
    '      request body:\n' +
    '        {\n          "qty": 2\n        }\n' +
    '      response headers:\n' +
    '        content-type: application/json\n' +
    '      response body:\n' +
    '        {\n          "id": 42,\n          "left": [\n            1,\n            2\n          ]\n        }\n')
})

t.test('empty body attributes print "(not captured)", never "(empty)"', async (t) => {
  const text = await printed((tracer) => {
    const request = startIncoming(tracer, 'r3', { [ATTR.method]: 'GET', [ATTR.route]: '/file', [ATTR.status]: 200 })
    startOutgoing(tracer, request, 'r3', { [ATTR.method]: 'GET', [ATTR.route]: '/blob' }).end([1700000000, 2_000_000])
    request.end([1700000000, 3_000_000])
  })
  t.match(text, '\n  request body: (not captured)\n')
  t.match(text, '\n  response body: (not captured)\n')
  t.match(text, '\n      request body: (not captured)\n', 'the outgoing call\'s too')
  t.match(text, '\n      response body: (not captured)\n')
  t.notMatch(text, '(empty)')
})

t.test('a body that is a JSON string document prints as that string', async (t) => {
  const text = await printed((tracer) => {
    startIncoming(tracer, 'r4', {
      [ATTR.method]: 'POST',
      [ATTR.route]: '/notes',
      [ATTR.status]: 200,
      [ATTR.requestBody]: b64('"[CLIENT_REDACTED]"'),
      [ATTR.responseBody]: b64(JSON.stringify('some text\nwith "quotes"'))
    }).end([1700000000, 1_000_000])
  })
  t.match(text, '\n  request body: "[CLIENT_REDACTED]"\n')
  t.match(text, '\n  response body: "some text\\nwith \\"quotes\\""\n')
  t.notMatch(text, 'not JSON')
})

t.test('user and tenant attributes are shown when set', async (t) => {
  const text = await printed((tracer) => {
    startIncoming(tracer, 'r5', {
      [ATTR.method]: 'GET',
      [ATTR.route]: '/me',
      [ATTR.status]: 200,
      [ATTR.userId]: 'u_42',
      [ATTR.userEmail]: 'jane@example.com',
      [ATTR.userName]: 'Jane Doe',
      [ATTR.tenantId]: 't_7'
    }).end([1700000000, 1_000_000])
  })
  t.match(text, '\n  user: id u_42, email jane@example.com, name Jane Doe\n')
  t.match(text, '\n  tenant: id t_7\n', 'only the tenant attributes that are set')
})

t.test('an INTERNAL request span under a remote parent: its span line, sender, sdk and masked project key', async (t) => {
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true
  })
  let spanId = ''
  const text = await printed((tracer) => {
    const request = tracer.startSpan(SPAN_NAME, {
      kind: SpanKind.INTERNAL,
      startTime: [1700000000, 0],
      attributes: { [ATTR.sdkType]: 'JsFastify', [ATTR.msgId]: 'r6', [ATTR.method]: 'GET', [ATTR.route]: '/', [ATTR.status]: 404 }
    }, remote)
    spanId = request.spanContext().spanId
    request.end([1700000000, 1_000_000])
  }, {
    'service.name': 'orders-api',
    'at-project-key': 'pk_live_0123456789abcdef',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0'
  })
  t.match(text, /^GET \/ → 404 in 1\.00 ms {2}\[orders-api\]\n/, 'an INTERNAL span is a request block')
  t.match(text, `\n  span: ${spanId} INTERNAL  parent: b7ad6b7169203331 (remote)  sampled\n`)
  t.match(text, '\n  sent by: sdk opentelemetry 2.12.0 (nodejs), scope apitoolkit-fastify 0.1.0, at-project-key …cdef\n')
  t.notMatch(text, '0123456789', 'the key is masked')
})
