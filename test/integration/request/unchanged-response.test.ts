// The client receives the same response with and without the plugin, for every kind of reply.
import { test } from 'tap'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { startBare } from '../../helpers/bare'
import { decodeBase64, startHarness } from '../../helpers/harness'

const MIB = 1024 * 1024

function routes (app: FastifyInstance): void {
  app.get('/json', async () => ({ user: { email: 'a@b.c', zip: '1000' }, list: [1, 2, 3] }))
  app.get('/text', async (_request, reply) => reply.type('text/plain').send('plain text ✓'))
  app.get('/buffer', async (_request, reply) => reply.type('application/octet-stream').send(Buffer.from([0, 1, 2, 255, 254])))
  app.get('/json-string', async (_request, reply) => reply.type('application/json').send('{"user":{"email":"a@b.c"}}'))
  app.get('/stream', async (_request, reply) => reply.type('text/plain').send(Readable.from(['one ', 'two ', 'three'])))
  app.get('/big-stream', async (_request, reply) => {
    const chunk = Buffer.alloc(64 * 1024, 7)
    reply.type('application/octet-stream').send(Readable.from(Array.from({ length: 16 }, () => chunk)))
  })
  app.get('/error', async () => { throw new Error('nope') })
  app.post('/echo', async (request) => request.body)
}

interface Seen { status: number, headers: Record<string, string>, body: Buffer }

async function fetchAll (base: string): Promise<Record<string, Seen>> {
  const out: Record<string, Seen> = {}
  for (const path of ['/json', '/text', '/buffer', '/json-string', '/stream', '/big-stream', '/error', '/missing']) {
    const res = await fetch(base + path, { headers: { 'x-test-id': path } })
    out[path] = { status: res.status, headers: headersOf(res), body: Buffer.from(await res.arrayBuffer()) }
  }
  const res = await fetch(base + '/echo', { method: 'POST', headers: { 'x-test-id': '/echo', 'content-type': 'application/json' }, body: '{"password":"p4ss-word","n":1}' })
  out['/echo'] = { status: res.status, headers: headersOf(res), body: Buffer.from(await res.arrayBuffer()) }
  return out
}

function headersOf (res: Response): Record<string, string> {
  const h: Record<string, string> = {}
  res.headers.forEach((value, name) => { if (name !== 'date') h[name] = value })
  return h
}

test('responses are byte-for-byte the same with the plugin', async (t) => {
  const bareUrl = await startBare(t, routes)
  const withPlugin = await startHarness(t, routes, {
    captureRequestBody: true,
    captureResponseBody: true,
    redactRequestBody: ['$.password'],
    redactResponseBody: ['$.user.email', '$.user.zip']
  })
  const expected = await fetchAll(bareUrl)
  const actual = await fetchAll(withPlugin.url)
  for (const path of Object.keys(expected)) {
    t.equal(actual[path].status, expected[path].status, `${path} status`)
    t.same(actual[path].headers, expected[path].headers, `${path} headers`)
    t.ok(actual[path].body.equals(expected[path].body), `${path} body bytes`)
  }
  t.equal(actual['/big-stream'].body.length, MIB, 'a 1 MiB stream arrives whole')
  t.equal(actual['/json'].body.toString(), '{"user":{"email":"a@b.c","zip":"1000"},"list":[1,2,3]}', 'the client gets the real values')
  const spans = await withPlugin.closeApp()
  t.equal(spans.length, Object.keys(expected).length, 'and every request got its span')
  const bodies = Object.fromEntries(spans.map((s) => [String(s.attributes['http.request.header.x-test-id']), {
    request: decodeBase64(s.attributes['http.request.body']),
    response: decodeBase64(s.attributes['http.response.body'])
  }]))
  t.same(bodies, {
    '/json': { request: '', response: '{"user":{"email":"[CLIENT_REDACTED]","zip":"[CLIENT_REDACTED]"},"list":[1,2,3]}' },
    '/text': { request: '', response: '"[CLIENT_REDACTED]"' },
    '/buffer': { request: '', response: '' },
    '/json-string': { request: '', response: '{"user":{"email":"[CLIENT_REDACTED]"}}' },
    '/stream': { request: '', response: '' },
    '/big-stream': { request: '', response: '' },
    '/error': { request: '', response: '{"statusCode":500,"error":"Internal Server Error","message":"nope"}' },
    '/missing': { request: '', response: '{"message":"Route GET:/missing not found","error":"Not Found","statusCode":404}' },
    '/echo': { request: '{"password":"[CLIENT_REDACTED]","n":1}', response: '{"password":"p4ss-word","n":1}' }
  }, 'the span has the redacted copies as JSON documents (text withheld whole while response paths are set); binary and streams are not captured')
})
