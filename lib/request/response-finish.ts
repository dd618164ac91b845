// Ends a request's span when its response is finished, without an onResponse hook. Such a hook makes
// Fastify add a 'finish' and an 'error' listener to every response and remove them again; beside
// instrumentation-http, which binds every response to its context, each of those calls wraps or unwraps
// a listener (about 20,000 instructions a request on GET /hello). Node's HTTP server publishes every
// finished response on a diagnostics channel instead: one subscriber, and a property per request.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage } from 'node:http'
import { ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { RequestRecord } from './request-record'

const FINISH_CHANNEL = 'http.server.response.finish'

type Tagged = Record<symbol, RequestRecord | undefined>

function finish (record: RequestRecord): void {
  // A subscriber or listener that throws would surface as an uncaught exception.
  try {
    record.finish()
  } catch (err) {
    record.plugin.fail(err, 'ending the span')
  }
}

export interface ResponseFinish {
  /** Ends `record`'s span once the response to `raw` is finished. */
  watch: (record: RequestRecord, raw: IncomingMessage, response: object) => void
  stop: () => void
}

/** Watches the responses of one registered plugin. */
export function watchResponseFinish (): ResponseFinish {
  // Each registration its own key: another app's subscriber leaves this one's records alone.
  const key = Symbol('apitoolkit-fastify record')
  const onFinish = (message: unknown): void => {
    const response = (message as { response: Tagged }).response
    const record = response[key]
    if (record === undefined) return
    response[key] = undefined
    finish(record)
  }
  subscribe(FINISH_CHANNEL, onFinish)
  return {
    watch (record, raw, response) {
      const tagged = response as Tagged
      // Node's HTTP server publishes its own responses on the channel; an injected request (its socket is
      // not a real one) and HTTP/2 do not, and get a listener of their own.
      if (response instanceof ServerResponse && raw.socket instanceof Socket) {
        tagged[key] = record
      } else {
        (response as ServerResponse).once('finish', () => { finish(record) })
      }
    },
    stop () {
      unsubscribe(FINISH_CHANNEL, onFinish)
    }
  }
}
