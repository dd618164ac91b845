// Shared by the outgoing-call tests: a global in-memory TracerProvider (registered before any plugin, so
// the plugin uses it), a real upstream node:http server and a real Fastify app, both on 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Context } from '@opentelemetry/api'
import {
  InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor,
  type ReadableSpan, type Span, type SpanProcessor
} from '@opentelemetry/sdk-trace-node'
import type { ApitoolkitOptions } from '../../types/index'
import { plugin } from '../../lib/plugin'

interface Teardown { teardown (fn: () => unknown): void }

export const REDACTED = '[CLIENT_REDACTED]'
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Wakes waiters whenever a span ends; the spans themselves are in the InMemorySpanExporter. */
class EndNotifier implements SpanProcessor {
  private waiters: Array<() => void> = []
  onStart (_span: Span, _parent: Context): void {}
  onEnd (): void {
    const waiters = this.waiters
    this.waiters = []
    // After the SimpleSpanProcessor listed before this one has handed the span to the exporter.
    setImmediate(() => { for (const wake of waiters) wake() })
  }

  next (): Promise<void> { return new Promise((resolve) => { this.waiters.push(resolve) }) }
  async forceFlush (): Promise<void> {}
  async shutdown (): Promise<void> {}
}

export interface Tracing {
  spans (): ReadableSpan[]
  /** Resolves with the spans once `ready` says they are all there; the tap timeout bounds the wait. */
  until (ready: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]>
}

export function installTracing (): Tracing {
  const exporter = new InMemorySpanExporter()
  const notifier = new EndNotifier()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), notifier] })
  provider.register()
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans()
  return {
    spans,
    async until (ready) {
      while (!ready(spans())) await notifier.next()
      return spans()
    }
  }
}

// ---- reading spans ------------------------------------------------------------------------------------

export function attr (span: ReadableSpan, name: string): unknown {
  return span.attributes[name]
}

export function isOutgoing (span: ReadableSpan): boolean {
  return attr(span, 'apitoolkit.sdk_type') === 'JsOutgoing'
}

/** The incoming span of the request that carried `x-test-id: id`, if it ended. */
export function incomingSpan (spans: ReadableSpan[], id: string): ReadableSpan | undefined {
  return spans.find((s) => attr(s, 'apitoolkit.sdk_type') === 'JsFastify' && attr(s, 'http.request.header.x-test-id') === id)
}

/** Outgoing spans whose parent_id is `parent`'s msg_id. */
export function outgoingSpans (spans: ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  return spans.filter((s) => isOutgoing(s) && attr(s, 'apitoolkit.parent_id') === attr(parent, 'apitoolkit.msg_id'))
}

/** Waits for the incoming span of request `id` and `count` outgoing spans under it. */
export async function spansOfRequest (tracing: Tracing, id: string, count: number): Promise<{ incoming: ReadableSpan, outgoing: ReadableSpan[] }> {
  const spans = await tracing.until((all) => {
    const incoming = incomingSpan(all, id)
    return incoming !== undefined && outgoingSpans(all, incoming).length >= count
  })
  const incoming = incomingSpan(spans, id) as ReadableSpan
  return { incoming, outgoing: outgoingSpans(spans, incoming) }
}

export function decode (value: unknown): string {
  return Buffer.from(String(value), 'base64').toString('utf8')
}

export function errorsOf (span: ReadableSpan): Array<Record<string, string>> {
  return JSON.parse(String(attr(span, 'apitoolkit.errors')))
}

// ---- upstream -----------------------------------------------------------------------------------------

export interface Received { method: string, url: string, headers: IncomingHttpHeaders, body: string }

export interface Upstream {
  url: string
  /** Every request the upstream got, in order. */
  received: Received[]
  /** The request to `path` (path plus query), which must be unique. */
  one (path: string): Received
  /** True while /stream has sent its first chunk and holds the rest. */
  streamHeld: boolean
  /** Lets /stream send the rest of its body. */
  releaseStream (): void
}

export const STREAM_PARTS = ['first part|', 'second part|', 'third part']

/** Routes: /items/:id, /echo (any method), /status/:code, /redirect, /big?size=n, /text-big?size=n, /stream, /hang. */
export async function startUpstream (t: Teardown): Promise<Upstream> {
  const received: Received[] = []
  let release: () => void = () => {}
  const upstream: Upstream = {
    url: '',
    received,
    one (path) {
      const found = received.filter((r) => r.url === path)
      if (found.length !== 1) throw new Error(`expected one upstream request to ${path}, got ${found.length}`)
      return found[0]
    },
    streamHeld: false,
    releaseStream () { release() }
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
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
      } else if (url.pathname === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write(STREAM_PARTS[0])
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

/** A port nothing listens on: a server is opened and closed on it. */
export async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

// ---- the app ------------------------------------------------------------------------------------------

export interface App { app: FastifyInstance, url: string }

export async function startApp (t: Teardown, options: ApitoolkitOptions, routes: (app: FastifyInstance) => void): Promise<App> {
  const app = Fastify()
  await app.register(plugin, { serviceName: 'outgoing-test', ...options })
  routes(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

/** GET `path` on the app with `x-test-id: id`; the parsed JSON answer. */
export async function call (app: App, path: string, id: string): Promise<{ status: number, body: any }> {
  const res = await fetch(app.url + path, { headers: { 'x-test-id': id } })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}
