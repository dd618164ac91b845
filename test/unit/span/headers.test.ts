import { test } from 'tap'
import { ALWAYS_REDACTED_HEADERS, headersToBag, isRedactedHeader, pushRequestHeaders, pushResponseHeaders, redactedHeaderValues } from '../../../lib/span/headers'
import { REDACTED } from '../../../lib/span/names'
import { encodeResource, encodeScope, SpanBatch, type AttributeList } from '../../../lib/export/otlp-encoder'
import { flattenTraceRequest } from '../../helpers/official-protos'
import { sampleSpan } from '../../helpers/otlp-span'

/** The attributes as the backend reads them: encoded in a span, decoded with the official protos. */
function asRecord (list: unknown[]): Record<string, unknown> {
  const batch = new SpanBatch(encodeResource([]), encodeScope('test', ''))
  batch.add(sampleSpan(list as AttributeList))
  return flattenTraceRequest(batch.finish())[0].attributes
}

test('one attribute per header, lower-case names, several values joined with a comma', async (t) => {
  const out: unknown[] = []
  pushRequestHeaders(out as never, { 'X-Trace': 'a', accept: ['x', 'y'], 'content-length': 12, skipped: undefined }, new Set(), false)
  t.same(asRecord(out), {
    'http.request.header.x-trace': 'a',
    'http.request.header.accept': 'x,y',
    'http.request.header.content-length': '12'
  })
})

test('credentials are redacted by name: the defaults, name patterns and the configured list', async (t) => {
  const out: unknown[] = []
  pushResponseHeaders(out as never, {
    authorization: 'Bearer x', 'set-cookie': ['a=1', 'b=2'], 'x-my-secret-sauce': 's', 'x-session-token': 't',
    'x-stripe-apikey': 'k', 'x-custom': 'c', 'x-public': 'p'
  }, new Set([...ALWAYS_REDACTED_HEADERS, 'x-custom']), false)
  t.same(asRecord(out), {
    'http.response.header.authorization': REDACTED,
    'http.response.header.set-cookie': REDACTED,
    'http.response.header.x-my-secret-sauce': REDACTED,
    'http.response.header.x-session-token': REDACTED,
    'http.response.header.x-stripe-apikey': REDACTED,
    'http.response.header.x-custom': REDACTED,
    'http.response.header.x-public': 'p'
  })
})

test('isRedactedHeader agrees with the attribute builder, whatever the case', async (t) => {
  const redact = new Set(ALWAYS_REDACTED_HEADERS)
  t.ok(isRedactedHeader('Authorization', redact))
  t.ok(isRedactedHeader('X-Refresh-TOKEN', redact))
  t.notOk(isRedactedHeader('accept', redact))
})

test('redactedHeaderValues collects the values withheld in both directions', async (t) => {
  const values = redactedHeaderValues({ authorization: 'Bearer abc', accept: '*/*' }, { 'set-cookie': ['s=1', 's=2'] }, new Set(ALWAYS_REDACTED_HEADERS))
  t.same([...values].sort(), ['Bearer abc', 's=1,s=2'])
})

test('a fetch Headers keeps repeated Set-Cookie values apart', async (t) => {
  const headers = new Headers([['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-a', '1']])
  t.same(headersToBag(headers), { 'set-cookie': 'a=1,b=2', 'x-a': '1' })
})

test('a header value repeated from one request to the next is sent the same, encoded once', async (t) => {
  const headers = { 'x-region': 'eu-west-1', 'x-request-no': '1' }
  const first: unknown[] = []
  pushRequestHeaders(first as never, headers, new Set(), false)
  const second: unknown[] = []
  pushRequestHeaders(second as never, { ...headers, 'x-request-no': '2' }, new Set(), false)
  const third: unknown[] = []
  pushRequestHeaders(third as never, { ...headers, 'x-request-no': '3' }, new Set(), false)
  t.same(asRecord(second), { 'http.request.header.x-region': 'eu-west-1', 'http.request.header.x-request-no': '2' })
  t.same(asRecord(third), { 'http.request.header.x-region': 'eu-west-1', 'http.request.header.x-request-no': '3' })
  t.equal(third[1], null, 'the repeated pair is one encoded attribute')
  t.equal(third[3], '3', 'a changing value is written as it comes')
})

test('with secrets on, a header value that looks like a secret is withheld whatever its name, also when it repeats', async (t) => {
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
  for (let round = 0; round < 3; round++) {
    const out: unknown[] = []
    pushRequestHeaders(out as never, { 'x-forwarded-jwt': jwt, 'x-card': '4111-1111-1111-1111', 'x-plain': 'hello', 'x-order': '4111111111111112' }, new Set(), true)
    t.same(asRecord(out), {
      'http.request.header.x-forwarded-jwt': REDACTED,
      'http.request.header.x-card': REDACTED,
      'http.request.header.x-plain': 'hello',
      'http.request.header.x-order': '4111111111111112'
    }, `round ${round}`)
  }
  const off: unknown[] = []
  pushRequestHeaders(off as never, { 'x-forwarded-jwt': jwt }, new Set(), false)
  t.same(asRecord(off), { 'http.request.header.x-forwarded-jwt': jwt }, 'secrets off: the value as sent')
  const again: unknown[] = []
  pushRequestHeaders(again as never, { 'x-forwarded-jwt': jwt }, new Set(), true)
  t.same(asRecord(again), { 'http.request.header.x-forwarded-jwt': REDACTED }, 'an app with secrets on after one with them off: still withheld')
})
