import type { FastifyReply } from 'fastify'
import type { HeaderBag } from '../span/headers'

// Fastify keeps the headers set through `reply.header()` under this symbol, and its `getHeaders()`
// copies them and the raw response's into a new object on every call (about 1 µs). Found once, by its
// description; when a Fastify version no longer has it, getHeaders() is used as before.
let replyHeadersKey: symbol | undefined | null = null

function findKey (reply: FastifyReply): symbol | undefined {
  return Object.getOwnPropertySymbols(reply).find((key) => key.description === 'fastify.reply.headers')
}

/** The response headers as `reply.getHeaders()` gives them, without its copies in the usual case. */
export function responseHeadersOf (reply: FastifyReply): HeaderBag {
  if (replyHeadersKey === null) replyHeadersKey = findKey(reply)
  const fromReply = replyHeadersKey === undefined ? undefined : (reply as unknown as Record<symbol, HeaderBag | undefined>)[replyHeadersKey]
  if (fromReply === undefined || typeof fromReply !== 'object') return reply.getHeaders()
  const raw = reply.raw
  // Headers set on the raw response directly are rare; only then are the two merged, as getHeaders() does.
  if (raw.getHeaderNames().length === 0) return fromReply
  return { ...raw.getHeaders(), ...fromReply }
}
