// A local OTLP/gRPC trace receiver: what `apitoolkit-fastify collector` runs and what the
// end-to-end tests export into. It speaks only TraceService/Export, decoded by ./otlp-decode.
import * as grpc from '@grpc/grpc-js'
import * as net from 'node:net'
import { decodeExportTraceServiceRequest, type ReceivedSpan } from './otlp-decode'

export type { ReceivedSpan } from './otlp-decode'

export interface CollectorOptions {
  /** default 127.0.0.1 */
  host?: string
  /** default 0: an ephemeral port */
  port?: number
  /** answer each export this late, to simulate a slow collector */
  responseDelayMs?: number
  /** called with each export request's spans, after they are added to `spans` */
  onSpans?: (spans: ReceivedSpan[]) => void
  /** called when an export request cannot be decoded (it is answered INVALID_ARGUMENT) */
  onDecodeError?: (err: Error) => void
}

export interface Collector {
  readonly port: number
  /** http://HOST:PORT, ready for an OTLP exporter's `url` */
  readonly endpoint: string
  /** every span received so far, in arrival order */
  readonly spans: ReceivedSpan[]
  /** resolves with all matching spans once at least `count` match; rejects after timeoutMs (5000) */
  waitForSpans (count: number, timeoutMs?: number, filter?: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan[]>
  /** stops the server; pending delayed answers are sent, pending waitForSpans reject */
  close (): Promise<void>
}

/** startCollector's rejection when the port is taken; `code` is 'EADDRINUSE'. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE'
  constructor (readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use`)
    this.name = 'PortInUseError'
  }
}

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
// An ExportTraceServiceResponse with no partial_success set is zero bytes on the wire.
const EMPTY_RESPONSE = Buffer.alloc(0)
const DEFAULT_WAIT_MS = 5000
const SHUTDOWN_GRACE_MS = 1000

// A decode failure is passed on as a value: thrown from requestDeserialize, grpc-js would hide its
// message behind 'Error deserializing request' and answer INTERNAL.
type ExportCall = grpc.ServerUnaryCall<ReceivedSpan[] | Error, Record<string, never>>
type ExportCallback = grpc.sendUnaryData<Record<string, never>>

// Hand-made service definition: the client side (requestSerialize, responseDeserialize) is never
// used by a server, so those only satisfy the type.
const traceServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => EMPTY_RESPONSE,
    requestDeserialize: decodeOrError,
    responseSerialize: () => EMPTY_RESPONSE,
    responseDeserialize: () => ({})
  }
}

function decodeOrError (buf: Buffer): ReceivedSpan[] | Error {
  try {
    return decodeExportTraceServiceRequest(buf)
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

interface Waiter {
  count: number
  filter: (s: ReceivedSpan) => boolean
  resolve: (spans: ReceivedSpan[]) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/** Keeps received spans and settles waitForSpans promises as spans arrive. */
class SpanStore {
  readonly spans: ReceivedSpan[] = []
  private waiters = new Set<Waiter>()

  add (spans: ReceivedSpan[]): void {
    this.spans.push(...spans)
    for (const w of this.waiters) this.check(w)
  }

  wait (count: number, timeoutMs: number, filter: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(this.timeoutMessage(count, timeoutMs, filter)))
      }, timeoutMs)
      const waiter: Waiter = { count, filter, resolve, reject, timer }
      this.waiters.add(waiter)
      this.check(waiter)
    })
  }

  rejectAll (err: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer)
      w.reject(err)
    }
    this.waiters.clear()
  }

  private check (w: Waiter): void {
    const matching = this.spans.filter(w.filter)
    if (matching.length < w.count) return
    clearTimeout(w.timer)
    this.waiters.delete(w)
    w.resolve(matching)
  }

  // Names what did arrive, so a failing test shows why it did not match.
  private timeoutMessage (count: number, timeoutMs: number, filter: (s: ReceivedSpan) => boolean): string {
    const matching = this.spans.filter(filter).length
    const names = this.spans.map((s) => s.name).slice(0, 20).join(', ')
    return `timed out after ${timeoutMs} ms waiting for ${count} span(s): ${matching} matched, ` +
      `${this.spans.length} received${names === '' ? '' : ` (${names})`}`
  }
}

/** Answers export calls, possibly late; tracks late answers so close() can send them at once. */
class Responder {
  private pending = new Map<NodeJS.Timeout, () => void>()

  constructor (private readonly delayMs: number) {}

  answer (respond: () => void): void {
    if (this.delayMs <= 0) return respond()
    const timer = setTimeout(() => {
      this.pending.delete(timer)
      respond()
    }, this.delayMs)
    this.pending.set(timer, respond)
  }

  flush (): void {
    for (const [timer, respond] of this.pending) {
      clearTimeout(timer)
      respond()
    }
    this.pending.clear()
  }
}

function exportHandler (store: SpanStore, responder: Responder, options: CollectorOptions) {
  return (call: ExportCall, callback: ExportCallback): void => {
    const spans = call.request
    if (spans instanceof Error) {
      // INVALID_ARGUMENT: OTLP exporters do not retry it, which is right for bytes that will never parse.
      options.onDecodeError?.(spans)
      return callback({ code: grpc.status.INVALID_ARGUMENT, details: spans.message })
    }
    store.add(spans)
    try {
      options.onSpans?.(spans)
    } catch (err) {
      // The spans were received; INTERNAL is not retried by OTLP exporters, so no duplicates follow.
      const details = `collector onSpans failed: ${err instanceof Error ? err.message : String(err)}`
      responder.answer(() => callback({ code: grpc.status.INTERNAL, details }))
      return
    }
    responder.answer(() => callback(null, {}))
  }
}

function bindAddress (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

function bind (server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(bindAddress(host, port), grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err === null) return resolve(bound)
      reject(/EADDRINUSE/.test(err.message) ? new PortInUseError(host, port) : err)
    })
  })
}

// grpc-js logs a failed bind to stderr before reporting it, so a plain listen is tried first to give
// only our clear error in the common case. (A port taken in between still fails in bind() above.)
function assertPortFree (host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port) : err)
    })
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()))
  })
}

// Graceful first; a client holding a stream open must not make close() hang.
function shutdown (server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(() => {
      server.forceShutdown()
      resolve()
    }, SHUTDOWN_GRACE_MS)
    server.tryShutdown(() => {
      clearTimeout(fallback)
      resolve()
    })
  })
}

/** Starts an OTLP/gRPC trace receiver; rejects with PortInUseError when the port is taken. */
export async function startCollector (options: CollectorOptions = {}): Promise<Collector> {
  const host = options.host ?? '127.0.0.1'
  await assertPortFree(host, options.port ?? 0)
  const store = new SpanStore()
  const responder = new Responder(options.responseDelayMs ?? 0)
  const server = new grpc.Server()
  server.addService(traceServiceDefinition, { Export: exportHandler(store, responder, options) })
  let port: number
  try {
    port = await bind(server, host, options.port ?? 0)
  } catch (err) {
    server.forceShutdown()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    port,
    endpoint: `http://${bindAddress(host, port)}`,
    spans: store.spans,
    waitForSpans: (count, timeoutMs = DEFAULT_WAIT_MS, filter = () => true) => store.wait(count, timeoutMs, filter),
    close: () => {
      closing ??= (async () => {
        responder.flush()
        store.rejectAll(new Error('collector closed'))
        await shutdown(server)
      })()
      return closing
    }
  }
}
