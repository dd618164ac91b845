// Secrets found by their shape, in what the backend receives: random JSON documents with card numbers
// (Luhn-valid and not), JWTs and keys planted in random places go through a real app, and every planted
// secret is gone from the exported span while no string without one is touched.
import { test } from 'tap'
import fc from 'fast-check'
import { decodeBase64, spanFor, startHarness } from '../../helpers/harness'
import { grouped, jwt, luhnCheckDigit } from '../../helpers/secrets'
import { startUpstream } from '../../helpers/upstream'

const MARKER = '[CLIENT_REDACTED]'

const digitsArb = (n: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''))
const cardDigitsArb = fc.integer({ min: 12, max: 18 }).chain((n) => digitsArb(n)).map((body) => body + luhnCheckDigit(body))
const layoutArb = fc.constantFrom('', ' ', '-')

/** A secret, with whether it must be found. */
type Planted = { text: string, secret: boolean }

const secretArb: fc.Arbitrary<Planted> = fc.oneof(
  fc.tuple(cardDigitsArb, layoutArb).map(([digits, sep]) => ({ text: digits.length === 16 ? grouped(digits, sep) : digits, secret: true })),
  // Luhn-invalid: the check digit moved by one. Not a secret.
  fc.tuple(cardDigitsArb, layoutArb).map(([digits, sep]) => {
    const wrong = digits.slice(0, -1) + String((Number(digits.slice(-1)) + 1) % 10)
    return { text: wrong.length === 16 ? grouped(wrong, sep) : wrong, secret: false }
  }),
  fc.record({ sub: fc.string({ maxLength: 12 }), n: fc.nat() }).map((claims) => ({ text: jwt(claims), secret: true })),
  fc.stringMatching(/^[A-Z0-9]{16}$/).map((tail) => ({ text: `AKIA${tail}`, secret: true })),
  fc.stringMatching(/^[A-Za-z0-9]{36}$/).map((tail) => ({ text: `ghp_${tail}`, secret: true })),
  fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((tail) => ({ text: `sk_live_${tail}`, secret: true })),
  fc.stringMatching(/^[A-Za-z0-9]{20}$/).map((tail) => ({ text: `xoxb-${tail}`, secret: true })),
  fc.stringMatching(/^[A-Za-z0-9]{24}$/).map((tail) => ({ text: `Bearer ${tail}1`, secret: true })),
  fc.constantFrom('RSA ', 'EC ', 'OPENSSH ', '').map((kind) => ({ text: `-----BEGIN ${kind}PRIVATE KEY-----\nMIIEowIBAAKCAQEA75\n-----END ${kind}PRIVATE KEY-----`, secret: true }))
)

/**
 * Text that can hold no secret: words, punctuation and numbers far too short for a card, each number
 * after a `#` so that two of them never join into one longer run of digits.
 */
const plainArb = fc.array(fc.oneof(
  fc.stringMatching(/^[a-z]{1,8}$/),
  fc.integer({ min: 0, max: 99999 }).map((n) => `#${n}`),
  fc.constantFrom(',', '.', ':', '-')
), { maxLength: 6 }).map((parts) => parts.join(' '))

/** A leaf string: plain, or a secret with plain text around it. */
const leafArb: fc.Arbitrary<Planted> = fc.oneof(
  { arbitrary: plainArb.map((text) => ({ text, secret: false })), weight: 3 },
  { arbitrary: fc.tuple(plainArb, secretArb, plainArb).map(([before, s, after]) => ({ text: `${before} | ${s.text} | ${after}`, secret: s.secret })), weight: 2 }
)

type Doc = Planted | Doc[] | { [key: string]: Doc }

const docArb: fc.Arbitrary<Doc> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie('node'), { maxKeys: 4 })
})).node as fc.Arbitrary<Doc>

function isLeaf (doc: Doc): doc is Planted {
  return typeof doc === 'object' && !Array.isArray(doc) && typeof (doc as Planted).text === 'string' && typeof (doc as Planted).secret === 'boolean' && Object.keys(doc).length === 2
}

/** The document as the client sends it. */
function sent (doc: Doc): unknown {
  if (isLeaf(doc)) return doc.text
  if (Array.isArray(doc)) return doc.map(sent)
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, sent(v)]))
}

/** The document as the span must show it: planted secrets withheld, everything else as sent. */
function expected (doc: Doc): unknown {
  if (isLeaf(doc)) return doc.secret ? MARKER : doc.text
  if (Array.isArray(doc)) return doc.map(expected)
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, expected(v)]))
}

function secretsOf (doc: Doc, out: string[] = []): string[] {
  if (isLeaf(doc)) {
    if (doc.secret) out.push(doc.text)
  } else {
    for (const child of Array.isArray(doc) ? doc : Object.values(doc)) secretsOf(child, out)
  }
  return out
}

test('random documents with planted secrets: every secret gone from both bodies, every other string as sent', async (t) => {
  const docs = fc.sample(docArb.filter((d) => !isLeaf(d)), { numRuns: 150, seed: 20261129 })
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
  }, { captureRequestBody: true, captureResponseBody: true })
  for (const [i, doc] of docs.entries()) {
    const res = await fetch(`${h.url}/echo`, { method: 'POST', headers: { 'x-test-id': String(i), 'content-type': 'application/json' }, body: JSON.stringify(sent(doc)) })
    t.same(await res.json(), sent(doc), 'the client gets the body as sent')
  }
  const spans = await h.closeApp()
  let planted = 0
  for (const [i, doc] of docs.entries()) {
    const span = spanFor(spans, String(i))
    const want = expected(doc)
    t.same(JSON.parse(decodeBase64(span.attributes['http.request.body'])), want, `document ${i}, request body`)
    t.same(JSON.parse(decodeBase64(span.attributes['http.response.body'])), want, `document ${i}, response body`)
    const exported = JSON.stringify(span.attributes) + decodeBase64(span.attributes['http.request.body']) + decodeBase64(span.attributes['http.response.body'])
    for (const secret of secretsOf(doc)) {
      planted++
      if (exported.includes(secret)) t.fail(`document ${i}: ${secret} left the server`)
    }
  }
  t.ok(planted > 50, `${planted} secrets planted`)
})

test('secrets in header values and query values, incoming and outgoing, are withheld; the upstream gets them as sent', async (t) => {
  const up = await startUpstream(t)
  const token = jwt({ sub: 'user-1' })
  const h = await startHarness(t, (app) => {
    app.get('/relay', async (request) => {
      const res = await request.apitoolkit.observe.get(`${up.url}/items/1?session=${token}&q=1`, { headers: { 'x-forward': `Bearer ${token}` } })
      request.apitoolkit.setAttributes({ 'app.card': '4111 1111 1111 1111', 'app.plain': 'blue' })
      return await res.json()
    })
  })
  const res = await fetch(`${h.url}/relay?session=${token}&q=1`, { headers: { 'x-test-id': 'relay', 'x-session': token, 'x-plain': 'blue' } })
  t.equal(res.status, 200)
  await res.arrayBuffer()
  t.equal(up.one(`/items/1?session=${token}&q=1`).headers['x-forward'], `Bearer ${token}`, 'the upstream gets the values as sent')
  const spans = await h.closeApp()
  const incoming = spanFor(spans, 'relay')
  t.equal(incoming.attributes['http.request.header.x-session'], MARKER)
  t.equal(incoming.attributes['http.request.header.x-plain'], 'blue')
  t.equal(incoming.attributes['http.target'], `/relay?session=${MARKER}&q=1`)
  t.same(JSON.parse(String(incoming.attributes['http.request.query_params'])), { session: [MARKER], q: ['1'] })
  t.equal(incoming.attributes['app.card'], MARKER)
  t.equal(incoming.attributes['app.plain'], 'blue')
  const outgoing = spans.find((s) => s.attributes['apitoolkit.sdk_type'] === 'JsOutgoing')
  t.equal(outgoing?.attributes['http.request.header.x-forward'], MARKER)
  t.equal(outgoing?.attributes['http.target'], `/items/1?session=${MARKER}&q=1`)
  for (const span of spans) t.notOk(JSON.stringify(span.attributes).includes(token), 'the token is nowhere in the spans')
})

test('redactSecrets: false sends such values as they are', async (t) => {
  const token = jwt({ sub: 'user-2' })
  const h = await startHarness(t, (app) => {
    app.post('/echo', async (request) => request.body)
  }, { captureRequestBody: true, redactSecrets: false })
  await (await fetch(`${h.url}/echo?session=${token}`, { method: 'POST', headers: { 'x-test-id': 'off', 'content-type': 'application/json', 'x-session': token }, body: JSON.stringify({ token }) })).arrayBuffer()
  const span = spanFor(await h.closeApp(), 'off')
  t.equal(span.attributes['http.request.header.x-session'], token)
  t.equal(span.attributes['http.target'], `/echo?session=${token}`)
  t.same(JSON.parse(decodeBase64(span.attributes['http.request.body'])), { token })
})
