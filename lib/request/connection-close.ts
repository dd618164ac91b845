import type { Socket } from 'node:net'
import type { RequestRecord } from './request-record'

const kInFlight = Symbol('apitoolkit-fastify request in flight')
const kWatched = Symbol('apitoolkit-fastify watched')

interface WatchedSocket extends Socket {
  [kInFlight]?: RequestRecord | undefined
  [kWatched]?: true
}

function onClose (this: WatchedSocket): void {
  const record = this[kInFlight]
  this[kInFlight] = undefined
  if (record === undefined || record.span.ended) return
  try {
    record.connectionClosed()
  } catch (err) {
    record.plugin.fail(err, 'ending the span of an aborted request')
  }
}

/**
 * Ends `record`'s span as a client abort if its connection closes before the response is finished. One
 * listener per connection, however many requests it carries; the record in flight is the latest one.
 */
export function watchConnectionClose (socket: Socket | null, record: RequestRecord): void {
  if (socket === null) return
  const watched = socket as WatchedSocket
  watched[kInFlight] = record
  if (watched[kWatched] === true) return
  watched[kWatched] = true
  watched.once('close', onClose)
}

/** The response is finished: the connection no longer holds the record. */
export function releaseConnection (socket: Socket | null, record: RequestRecord): void {
  if (socket !== null && (socket as WatchedSocket)[kInFlight] === record) (socket as WatchedSocket)[kInFlight] = undefined
}
