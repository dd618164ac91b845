// What the span records of a body: always a JSON document within maxBytes, redacted, or nothing.
import { test } from 'tap'
import { PassThrough, Readable } from 'node:stream'
import { captureBody, NO_REDACTION, redactedBody } from '../../../lib/body/capture-body'
import { compileRedaction } from '../../../lib/redaction'
import { isStructuralPrefix } from './prefix'

const MARKER = '"[CLIENT_REDACTED]"'
const PASSWORD = compileRedaction(['$.password'])

/** The captured document as text; undefined when not captured. */
function capture (body: unknown, type: string | undefined, plan = NO_REDACTION, max = 1000, hint?: number): string | undefined {
  const out = captureBody(body, type, plan, max, hint)
  if (out === undefined) return undefined
  if (!Buffer.isBuffer(out) || out.length > max) throw new Error('not a document within the limit')
  JSON.parse(out.toString('utf8'))
  return out.toString('utf8')
}

test('a parsed value is redacted on a copy and written as JSON', async (t) => {
  const body = { user: 'jane', password: 'hunter2', list: [1, 'two', null, true] }
  const before = JSON.stringify(body)
  t.equal(capture(body, 'application/json', PASSWORD), '{"user":"jane","password":"[CLIENT_REDACTED]","list":[1,"two",null,true]}')
  t.equal(JSON.stringify(body), before, 'the app\'s object is not changed')
  t.equal(capture(body, undefined), before, 'nothing to redact: the value as JSON.stringify writes it')
  t.equal(capture([1, 2], 'application/json'), '[1,2]')
  t.equal(capture(42, 'application/json'), '42')
  t.equal(capture(false, undefined), 'false')
  t.equal(capture(null, 'application/json'), 'null', 'a JSON null body is a body')
  t.equal(capture('a string value', 'application/json'), '"a string value"', 'a string that is not JSON text is text')
})

test('a parsed value longer than maxBytes is cut structurally, redaction first', async (t) => {
  const body = { password: 'hunter2hunter2hunter2', items: Array.from({ length: 1000 }, (_, i) => ({ i })) }
  const out = capture(body, 'application/json', PASSWORD, 100) as string
  t.ok(out.startsWith('{"password":"[CLIENT_REDACTED]","items":[{"i":0},'), out)
  t.ok(out.length > 90 && out.length <= 100)
  t.ok(isStructuralPrefix(JSON.parse(out), { ...body, password: '[CLIENT_REDACTED]' }))
  t.equal(capture({ password: 'x', a: 1 }, 'application/json', PASSWORD, 35, 22), '{"password":"[CLIENT_REDACTED]"}',
    'a size hint smaller than the redacted value still gives a document within the limit')
})

test('a value JSON cannot write is not captured; what JSON.stringify drops is dropped', async (t) => {
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.equal(capture(cyclic, 'application/json'), undefined)
  t.equal(capture({ n: 1n }, 'application/json'), undefined)
  t.equal(capture(cyclic, 'application/json', NO_REDACTION, 1000, 10), undefined, 'with a size hint too')
  t.equal(capture({ a: undefined, f: () => 1, s: Symbol('s'), d: new Date(0), l: [undefined, NaN] }, 'application/json'),
    '{"d":"1970-01-01T00:00:00.000Z","l":[null,null]}')
  t.equal(capture(() => 1, undefined), undefined)
})

test('JSON text, as a string or bytes, is parsed, redacted and written', async (t) => {
  const text = '{"user": "jane", "password": "hunter2"}'
  const redacted = '{"user":"jane","password":"[CLIENT_REDACTED]"}'
  t.equal(capture(text, 'application/json', PASSWORD), redacted)
  t.equal(capture(Buffer.from(text), 'application/json; charset=utf-8', PASSWORD), redacted)
  t.equal(capture(new Uint8Array(Buffer.from(text)), 'application/vnd.api+json', PASSWORD), redacted)
  t.equal(capture(Buffer.from(text), undefined, PASSWORD), redacted, 'no content type, but it parses')
  t.equal(capture(Buffer.from('\ufeff' + text), 'application/json', PASSWORD), redacted, 'a BOM is not part of the document')
  t.equal(capture(Buffer.from(text, 'utf16le'), 'application/json; charset=utf-16le', PASSWORD), redacted, 'in its charset, written as UTF-8')
  t.equal(capture(text, 'application/json'), text, 'nothing to redact and it fits: the text as it came')
  t.equal(capture(text, 'application/json', compileRedaction(['$.nothing'])), text, 'nothing matched: the text as it came')
})

test('JSON text longer than maxBytes is cut structurally, whether or not paths are configured', async (t) => {
  const text = JSON.stringify({ a: 'x'.repeat(50), b: [1, 2, 3] }, null, 2)
  t.equal(capture(text, 'application/json', NO_REDACTION, 30), '{"a":"xxxxxxxxxxxxxxxxxxxxxx"}', 'whitespace dropped, the string cut')
  t.equal(capture(text, 'application/json', compileRedaction(['$.nothing']), 30), '{"a":"xxxxxxxxxxxxxxxxxxxxxx"}', 'the same when no path matched')
  t.equal(capture('{"a": 1.50, "b": "' + 'y'.repeat(100) + '"}', 'application/json', NO_REDACTION, 20), '{"a":1.50,"b":"yyy"}', 'tokens as written')
  t.equal(capture(JSON.stringify({ password: 'hunter2', b: 'y'.repeat(100) }), 'application/json', PASSWORD, 40),
    '{"password":"[CLIENT_REDACTED]","b":"y"}')
})

test('JSON text that does not parse: text while nothing is to be redacted, else the marker', async (t) => {
  t.equal(capture('{"password": "hunter2"', 'application/json'), '"{\\"password\\": \\"hunter2\\""')
  t.equal(capture('{"password": "hunter2"', 'application/json', PASSWORD), MARKER, 'never the body in clear')
  t.equal(capture(Buffer.from('not json'), 'application/problem+json', PASSWORD), MARKER)
  t.equal(capture('plain words', undefined), '"plain words"', 'no content type and not JSON: text')
  t.equal(capture('plain words', undefined, PASSWORD), MARKER)
  const long = '{"a": "' + 'x'.repeat(2000) + '", oops'
  t.equal(capture(long, 'application/json', PASSWORD, 100), MARKER, 'with paths, the whole text must parse')
})

test('a form is an object of string arrays, redactable by JSONPath', async (t) => {
  const form = 'user=jane&password=hunter2&tag=a&tag=b'
  t.equal(capture(form, 'application/x-www-form-urlencoded'), '{"user":["jane"],"password":["hunter2"],"tag":["a","b"]}')
  t.equal(capture(Buffer.from(form), 'application/x-www-form-urlencoded; charset=utf-8', PASSWORD),
    '{"user":["jane"],"password":"[CLIENT_REDACTED]","tag":["a","b"]}', 'the whole field is replaced')
  t.equal(capture({ user: 'jane', password: 'hunter2', tag: ['a', 'b'] }, 'application/x-www-form-urlencoded', PASSWORD),
    '{"user":["jane"],"password":"[CLIENT_REDACTED]","tag":["a","b"]}', 'as a form parser gave it')
  t.equal(capture(form, 'application/x-www-form-urlencoded', compileRedaction(['$.tag[1]'])),
    '{"user":["jane"],"password":["hunter2"],"tag":["a","[CLIENT_REDACTED]"]}')
  t.equal(capture('a=' + 'x'.repeat(100), 'application/x-www-form-urlencoded', NO_REDACTION, 20), '{"a":["xxxxxxxxxx"]}', 'cut like any JSON')
})

test('other text is a JSON string of it, cut between characters; with paths configured, the marker', async (t) => {
  t.equal(capture('<p>"hé"\n</p>', 'text/html'), '"<p>\\"hé\\"\\n</p>"')
  t.equal(capture('<a>1</a>', 'application/xml'), '"<a>1</a>"')
  t.equal(capture('{"a":1}', 'text/plain'), '"{\\"a\\":1}"', 'a text type stays text, even when it holds JSON')
  t.equal(capture('let a = 1', 'application/javascript', PASSWORD), MARKER)
  t.equal(capture(Buffer.from('plain'), 'text/plain', PASSWORD), MARKER)
  t.equal(capture('ab€😀cd', 'text/plain', NO_REDACTION, 8), '"ab€"', 'the euro sign fits, the emoji does not')
  t.equal(capture('ab\ncd', 'text/plain', NO_REDACTION, 5), '"ab"', 'never inside an escape')
  t.equal(capture(Buffer.from('ab€😀cd'), 'text/plain', NO_REDACTION, 11), '"ab€😀"')
  t.equal(capture(Buffer.from('€'.repeat(100_000)), 'text/plain', NO_REDACTION, 9), '"€€"', 'a long text costs its start')
  t.equal(capture(Buffer.from('\ufeff €' + 'x'.repeat(100)), 'text/plain', NO_REDACTION, 6), '" €"', 'a BOM takes no room')
  t.equal(capture(Buffer.from([0x68, 0xe9]), 'text/plain; charset=iso-8859-1'), '"hé"', 'in its charset')
  t.equal(capture(Buffer.from([0x61, 0xff]), 'text/plain'), '"a\ufffd"', 'a text type keeps bytes that are not UTF-8, replaced')
  t.equal(capture(Buffer.from([0x61, 0xff]), 'application/x-thing; charset=utf-8'), '"a\ufffd"', 'so does a charset')
})

test('binary bodies and streams are not captured, and a stream is never read', async (t) => {
  for (const type of ['application/octet-stream', 'image/png', 'audio/ogg', 'video/mp4', 'application/pdf', 'application/zip', 'multipart/form-data; boundary=x']) {
    t.equal(capture(Buffer.from('looks like text'), type), undefined, type)
    t.equal(capture('looks like text', type), undefined, `${type} as a string`)
    t.equal(capture({ a: 1 }, type), undefined, `${type} as an object`)
  }
  t.equal(capture(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), undefined), undefined, 'bytes that are not UTF-8, with no content type')
  t.equal(capture(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'application/x-thing'), undefined, 'nor a content type that says text')
  const stream = Readable.from(['{"a":1}'])
  t.equal(capture(stream, 'application/json'), undefined)
  t.equal(stream.readableFlowing, null, 'not read, not piped')
  const pipeOnly = { pipe () { throw new Error('piped') } }
  t.equal(capture(pipeOnly, 'text/plain'), undefined, 'anything with a pipe function is a stream')
  t.equal(capture(new PassThrough(), undefined), undefined)
})

test('no body, or an empty one, is not captured', async (t) => {
  t.equal(capture(undefined, 'application/json'), undefined)
  t.equal(capture('', 'application/json'), undefined)
  t.equal(capture('', 'text/plain'), undefined)
  t.equal(capture(Buffer.alloc(0), undefined), undefined)
  t.equal(capture(new ArrayBuffer(0), 'text/plain'), undefined)
  t.equal(capture(Buffer.from('\ufeff'), 'text/plain'), '""', 'a lone BOM is an empty text, not an absent body')
  t.equal(capture(Buffer.from('\ufeff'), 'application/json'), '""')
  t.equal(capture(Buffer.from('\ufeff'), 'application/json', PASSWORD), MARKER)
})

test('bytes in any binary view', async (t) => {
  const bytes = Buffer.from('{"a":1}')
  const copy = new Uint8Array(bytes)
  t.equal(capture(copy.buffer, 'application/json'), '{"a":1}', 'an ArrayBuffer')
  t.equal(capture(new DataView(copy.buffer), 'application/json'), '{"a":1}', 'a DataView')
  t.equal(capture(new Uint8Array(Buffer.from('xx{"a":1}xx')).subarray(2, 9), 'application/json'), '{"a":1}', 'a view into a larger buffer')
})

test('the marker is the JSON string "[CLIENT_REDACTED]", whole or not at all', async (t) => {
  t.equal(redactedBody(1000)?.toString(), MARKER)
  t.equal(redactedBody(19)?.toString(), MARKER)
  t.equal(redactedBody(18), undefined)
  const root = compileRedaction(['$'])
  t.equal(capture({ a: 1 }, 'application/json', root), MARKER, 'a `$` path withholds the whole body')
  t.equal(capture('{"a":1}', 'application/json', root), MARKER)
  t.equal(capture({ a: 1 }, 'application/json', root, 18), undefined)
  t.equal(capture('not json', 'text/plain', PASSWORD, 18), undefined)
})

test('maxBytes smaller than the smallest document', async (t) => {
  t.equal(capture({ a: 1 }, 'application/json', NO_REDACTION, 2), '{}')
  t.equal(capture('[1,2]', 'application/json', NO_REDACTION, 2), '[]')
  t.equal(capture('some text', 'text/plain', NO_REDACTION, 2), '""')
  t.equal(capture(7, 'application/json', NO_REDACTION, 1), '7')
  t.equal(capture({ a: 1 }, 'application/json', NO_REDACTION, 1), undefined)
  t.equal(capture('{"a":1}', 'application/json', NO_REDACTION, 1), undefined)
  t.equal(capture('some text', 'text/plain', NO_REDACTION, 1), undefined)
  t.equal(capture('a=1', 'application/x-www-form-urlencoded', NO_REDACTION, 1), undefined)
  t.equal(capture(null, 'application/json', NO_REDACTION, 3), undefined, 'null takes four bytes')
})

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'
const SECRETS = compileRedaction([], { secrets: true })
const SECRETS_AND_PASSWORD = compileRedaction(['$.password'], { secrets: true })

test('with secrets on, every string that looks like a secret is the marker, in every form a body takes', async (t) => {
  const body = { note: `token ${JWT} inside`, card: '4111 1111 1111 1111', wrong: '4111 1111 1111 1112', n: 4111111111111111, list: ['AKIAIOSFODNN7EXAMPLE', 'ok'], password: 'hunter2' }
  const expected = { note: '[CLIENT_REDACTED]', card: '[CLIENT_REDACTED]', wrong: '4111 1111 1111 1112', n: '[CLIENT_REDACTED]', list: ['[CLIENT_REDACTED]', 'ok'], password: 'hunter2' }
  const text = JSON.stringify(body)
  t.same(JSON.parse(capture(body, 'application/json', SECRETS) ?? ''), expected, 'a parsed value, written by the walk')
  t.same(JSON.parse(capture(body, 'application/json', SECRETS, 1000, text.length) ?? ''), expected, 'a parsed value small enough for the native writer')
  t.same(JSON.parse(capture(text, 'application/json', SECRETS) ?? ''), expected, 'JSON text that fits')
  t.same(JSON.parse(capture(Buffer.from(text), 'application/json', SECRETS) ?? ''), expected, 'JSON bytes')
  t.same(JSON.parse(capture(body, 'application/json', SECRETS_AND_PASSWORD) ?? ''), { ...expected, password: '[CLIENT_REDACTED]' }, 'with a path too')
  t.equal(capture(`see ${JWT}`, 'text/plain', SECRETS), MARKER, 'a text body with a secret: the marker as a whole')
  t.equal(capture('just text', 'text/plain', SECRETS), '"just text"')
  t.same(JSON.parse(capture(`a=1&t=${encodeURIComponent(JWT)}`, 'application/x-www-form-urlencoded', SECRETS) ?? ''), { a: ['1'], t: ['[CLIENT_REDACTED]'] }, 'a form')
  t.equal(capture(text, 'application/json', NO_REDACTION), text, 'secrets off: as it came')
  t.equal(capture('{"plain":"text","n":12}', 'application/json', SECRETS), '{"plain":"text","n":12}', 'nothing secret: the text as it came')
})

test('a secret in a string cut by maxBytes is withheld, not half sent', async (t) => {
  const body = { a: 'x'.repeat(40), token: `${JWT} and more text after it` }
  for (const max of [60, 70, 80, 100, 140]) {
    const out = capture(JSON.stringify(body), 'application/json', SECRETS, max) ?? ''
    t.notMatch(out, /eyJ/, `max ${max}: no piece of the token: ${out}`)
    const value = capture(body, 'application/json', SECRETS, max) ?? ''
    t.notMatch(value, /eyJ/, `max ${max}, from the value: ${value}`)
  }
  const long = `${'y'.repeat(5000)} ${JWT}`
  t.notMatch(capture({ s: long }, 'application/json', SECRETS, 3000) ?? '', /eyJ/, 'a long string cut far before its secret: nothing of the secret in what is kept')
})

test('with secrets on, JSON nested too deep for the value walk is still scanned: kept as it came when clean', async (t) => {
  const clean = '[ '.repeat(300) + '"ok"' + ' ]'.repeat(300)
  t.equal(capture(clean, 'application/json', SECRETS, 5000), clean, 'the text as it came, spaces included')
  const secret = '['.repeat(300) + JSON.stringify(JWT) + ']'.repeat(300)
  t.equal(capture(secret, 'application/json', SECRETS, 5000), '['.repeat(300) + MARKER + ']'.repeat(300))
})
