// A real upstream node:http server on 127.0.0.1 for the outgoing-call tests: it records every request it
// gets and answers from a few fixed routes.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from './teardown'


export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  /** Names and values as they came on the wire, repeated headers included. */
  rawHeaders: string[]
  body: string
}

export interface Upstream {
  url: string
  /** Every request the upstream got, in order. */
  received: Received[]
  /** The request to `path` (path plus query), which must be unique. */
  one (path: string): Received
  /** Resolves once a request to `path` (path plus query) has arrived, body included. */
  arrival (path: string): Promise<Received>
  /** True while /stream has sent its first chunk and holds the rest. */
  streamHeld: boolean
  /** Lets /stream send the rest of its body. */
  releaseStream (): void
}

export const STREAM_PARTS = ['first part|', 'second part|', 'third part']

/** Every value of header `name` in a received request, one per header line. */
export function headerLines (received: Received, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < received.rawHeaders.length; i += 2) {
    if (received.rawHeaders[i].toLowerCase() === name) values.push(received.rawHeaders[i + 1])
  }
  return values
}

/**
 * Routes: /items/:id, /echo (any method), /status/:code, /redirect (to /items/7), /big?size=n
 * (octet-stream), /text-big?size=n (text/plain), /json-big?size=n (a JSON document of at least n bytes,
 * with a `token` field first), /stream (STREAM_PARTS; with ?size=n the first chunk is bigBody(n)), /hang.
 */
export async function startUpstream (t: Teardown): Promise<Upstream> {
  const received: Received[] = []
  const waiting: Array<{ path: string, resolve: (r: Received) => void }> = []
  let release: () => void = () => {}
  const upstream: Upstream = {
    url: '',
    received,
    one (path) {
      const found = received.filter((r) => r.url === path)
      if (found.length !== 1) throw new Error(`expected one upstream request to ${path}, got ${found.length}`)
      return found[0]
    },
    arrival (path) {
      const found = received.find((r) => r.url === path)
      return found !== undefined ? Promise.resolve(found) : new Promise((resolve) => { waiting.push({ path, resolve }) })
    },
    streamHeld: false,
    releaseStream () { release() }
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body }
      received.push(entry)
      for (let i = waiting.length - 1; i >= 0; i--) {
        if (waiting[i].path === entry.url) waiting.splice(i, 1)[0].resolve(entry)
      }
      const url = new URL(req.url ?? '/', 'http://upstream')
      const size = Number(url.searchParams.get('size') ?? '0')
      const item = /^\/items\/([^/]+)$/.exec(url.pathname)
      const status = /^\/status\/(\d+)$/.exec(url.pathname)
      if (item !== null) {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=abc', 'x-upstream': 'yes' })
        res.end(JSON.stringify({ id: item[1], name: 'widget', token: 'tok-secret' }))
      } else if (url.pathname === '/echo') {
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, body, token: 'tok-secret' }))
      } else if (status !== null) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/json' })
        res.end(JSON.stringify({ status: Number(status[1]) }))
      } else if (url.pathname === '/redirect') {
        res.writeHead(302, { location: '/items/7' })
        res.end()
      } else if (url.pathname === '/big' || url.pathname === '/text-big') {
        res.writeHead(200, { 'content-type': url.pathname === '/big' ? 'application/octet-stream' : 'text/plain' })
        res.end(bigBody(size))
      } else if (url.pathname === '/json-big') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(bigJson(size))
      } else if (url.pathname === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write(size > 0 ? bigBody(size) : STREAM_PARTS[0])
        upstream.streamHeld = true
        release = () => {
          upstream.streamHeld = false
          res.write(STREAM_PARTS[1])
          res.end(STREAM_PARTS[2])
        }
      } else if (url.pathname === '/hang') {
        // Never answers: for timeouts and aborts.
      } else {
        res.writeHead(404).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return upstream
}

/** `size` bytes of a repeating, position-dependent pattern, so a cut or reordered copy shows. */
export function bigBody (size: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = 97 + (i % 26)
  return out
}

/** A JSON document of at least `size` bytes: `{"token":"tok-secret","items":["item-0",...]}`. */
export function bigJson (size: number): string {
  const items: string[] = []
  let length = '{"token":"tok-secret","items":[]}'.length
  for (let i = 0; length < size; i++) {
    items.push(`item-${i}`)
    length += `"item-${i}",`.length
  }
  return JSON.stringify({ token: 'tok-secret', items })
}

/** A port nothing listens on: a server is opened and closed on it. */
export async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}
