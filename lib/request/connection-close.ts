import type { Socket } from 'node:net'
import type { RequestRecord } from './request-record'

const kInFlight = Symbol('apitoolkit-fastify request in flight')
const kWatched = Symbol('apitoolkit-fastify watched')

/** One request in flight (the usual case, kept without a list), or several when the client pipelines. */
type InFlight = RequestRecord | RequestRecord[] | undefined

interface WatchedSocket extends Socket {
  [kInFlight]?: InFlight
  [kWatched]?: true
}

function connectionClosed (record: RequestRecord): void {
  if (record.span.ended) return
  try {
    record.connectionClosed()
  } catch (err) {
    record.plugin.fail(err, 'ending the span of an aborted request')
  }
}

function onClose (this: WatchedSocket): void {
  const inFlight = this[kInFlight]
  this[kInFlight] = undefined
  if (Array.isArray(inFlight)) for (const record of inFlight) connectionClosed(record)
  else if (inFlight !== undefined) connectionClosed(inFlight)
}

/**
 * Ends `record`'s span as a client abort if its connection closes before the response is finished. One
 * listener per connection, however many requests it carries, one after the other or pipelined.
 */
export function watchConnectionClose (socket: Socket | null, record: RequestRecord): void {
  if (socket === null) return
  const watched = socket as WatchedSocket
  const inFlight = watched[kInFlight]
  watched[kInFlight] = inFlight === undefined ? record : Array.isArray(inFlight) ? [...inFlight, record] : [inFlight, record]
  if (watched[kWatched] === true) return
  watched[kWatched] = true
  watched.once('close', onClose)
}

/** The response is finished: the connection no longer holds the record. */
export function releaseConnection (socket: Socket | null, record: RequestRecord): void {
  if (socket === null) return
  const watched = socket as WatchedSocket
  const inFlight = watched[kInFlight]
  if (inFlight === record) {
    watched[kInFlight] = undefined
  } else if (Array.isArray(inFlight)) {
    const rest = inFlight.filter((other) => other !== record)
    watched[kInFlight] = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest
  }
}
