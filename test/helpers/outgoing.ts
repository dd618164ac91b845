// For the outgoing-call tests: a Fastify app on 127.0.0.1 with the plugin loaded from lib/ (so a test can
// reach a request's record: the same modules the plugin runs), exporting into its own real OTLP/gRPC
// receiver, and readers for the spans that receiver decodes.
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { ApitoolkitOptions } from '../../types/index'
import { plugin } from '../../lib/plugin'
import { startOfficialReceiver, type DecodedSpan, type OfficialReceiver } from './official-receiver'
import type { Teardown } from './teardown'


export const REDACTED = '[CLIENT_REDACTED]'
/** A whole body withheld: the marker as a JSON string, quotes included. */
export const WITHHELD_BODY = JSON.stringify(REDACTED)
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
/** OTLP numbers. */
export const KIND_SERVER = 2
export const KIND_CLIENT = 3
export const STATUS_UNSET = 0
export const STATUS_ERROR = 2

export interface App {
  app: FastifyInstance
  url: string
  receiver: OfficialReceiver
  /** Closes the app, which sends every span still waiting, and returns every span the receiver got. */
  closeApp (): Promise<DecodedSpan[]>
}

export async function startApp (t: Teardown, options: ApitoolkitOptions, routes: (app: FastifyInstance) => void): Promise<App> {
  const receiver = await startOfficialReceiver()
  const app = Fastify()
  await app.register(plugin, { otlpEndpoint: receiver.endpoint, serviceName: 'outgoing-test', ...options })
  routes(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  let closed = false
  const closeApp = async (): Promise<DecodedSpan[]> => {
    if (!closed) { closed = true; await app.close() }
    return receiver.spans
  }
  t.teardown(async () => { await closeApp(); await receiver.close() })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, receiver, closeApp }
}

/** GET `path` on the app with `x-test-id: id`; the parsed JSON answer. */
export async function call (app: App, path: string, id: string): Promise<{ status: number, body: any }> {
  const res = await fetch(app.url + path, { headers: { 'x-test-id': id } })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

// ---- reading spans ------------------------------------------------------------------------------------

export function isOutgoing (span: DecodedSpan): boolean {
  return span.attributes['apitoolkit.sdk_type'] === 'JsOutgoing'
}

/** The incoming span of the request that carried `x-test-id: id`, if it arrived. */
export function incomingSpan (spans: DecodedSpan[], id: string): DecodedSpan | undefined {
  return spans.find((s) => s.attributes['apitoolkit.sdk_type'] === 'JsFastify' && s.attributes['http.request.header.x-test-id'] === id)
}

/** Outgoing spans whose parent_id is `parent`'s msg_id. */
export function outgoingSpans (spans: DecodedSpan[], parent: DecodedSpan): DecodedSpan[] {
  return spans.filter((s) => isOutgoing(s) && s.attributes['apitoolkit.parent_id'] === parent.attributes['apitoolkit.msg_id'])
}

/** The incoming span of request `id` (which must be there) and the outgoing spans under it. */
export function spansOfRequest (spans: DecodedSpan[], id: string): { incoming: DecodedSpan, outgoing: DecodedSpan[] } {
  const incoming = incomingSpan(spans, id)
  if (incoming === undefined) throw new Error(`no incoming span for x-test-id ${id} among ${spans.length} spans`)
  return { incoming, outgoing: outgoingSpans(spans, incoming) }
}

/** The incoming span of request `id` and its one outgoing span (there must be exactly one). */
export function soleOutgoing (spans: DecodedSpan[], id: string): { incoming: DecodedSpan, s: DecodedSpan } {
  const { incoming, outgoing } = spansOfRequest(spans, id)
  if (outgoing.length !== 1) throw new Error(`expected one outgoing span under ${id}, found ${outgoing.length}`)
  return { incoming, s: outgoing[0] }
}

/**
 * How many of the requests `ids` have exactly `count` outgoing spans, each filed under `route(id)` and a
 * child of that very request's span, in its trace.
 */
export function linkedRequests (spans: DecodedSpan[], ids: string[], count: number, route: (id: string) => string): number {
  return ids.filter((id) => {
    const { incoming, outgoing } = spansOfRequest(spans, id)
    return outgoing.length === count && outgoing.every((s) => s.attributes['http.route'] === route(id) &&
      s.parentSpanId === incoming.spanId && s.traceId === incoming.traceId)
  }).length
}

/** The outgoing span whose http.target is `target`, which must be unique. */
export function outgoingTo (spans: DecodedSpan[], target: string): DecodedSpan {
  const found = spans.filter((s) => isOutgoing(s) && s.attributes['http.target'] === target)
  if (found.length !== 1) throw new Error(`expected one outgoing span to ${target}, found ${found.length}`)
  return found[0]
}

/**
 * Checks what every outgoing span of a successful call says of itself and of its request: an APItoolkit
 * CLIENT span, status unset, a child of `incoming` in its trace, with its own msg_id, to `host`.
 */
export function assertOutgoingOf (t: Test, s: DecodedSpan, incoming: DecodedSpan, host: string, what = ''): void {
  const attr = s.attributes
  t.equal(s.kind, KIND_CLIENT, `${what} kind CLIENT`)
  t.equal(s.name, 'monoscope.http', `${what} the APItoolkit span name`)
  t.same(s.status, { code: STATUS_UNSET, message: '' }, `${what} status unset`)
  t.equal(s.traceId, incoming.traceId, `${what} in the request's trace`)
  t.equal(s.parentSpanId, incoming.spanId, `${what} a child of the request's span`)
  t.equal(attr['apitoolkit.parent_id'], incoming.attributes['apitoolkit.msg_id'], `${what} parent_id is the request's msg_id`)
  t.match(attr['apitoolkit.msg_id'], UUID_V4, `${what} a msg_id of its own`)
  t.equal(attr['apitoolkit.sdk_type'], 'JsOutgoing', `${what} sdk_type JsOutgoing`)
  t.equal(attr['net.host.name'], host, `${what} host with port`)
}

/** The traceparent that names `span`, sampled. */
export function traceparentOf (span: DecodedSpan): string {
  return `00-${span.traceId}-${span.spanId}-01`
}

/** The attributes of each `exception` event of `span`. */
export function exceptionsOf (span: DecodedSpan): Array<DecodedSpan['events'][number]['attributes']> {
  return span.events.filter((e) => e.name === 'exception').map((e) => e.attributes)
}
