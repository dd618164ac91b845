// The collector every traced variant exports to: OTLP's trace Export method over gRPC, counting calls
// and bytes and answering success without decoding anything. Decoding would make the sink's own CPU
// use grow with what the spans hold; on a 2-core machine it shares the cores with the server under
// test, so it must stay small and the same for every variant.
//
// It speaks gRPC's unary framing on node:http2 itself rather than through @grpc/grpc-js, whose server
// cannot set HTTP/2 flow-control windows. With Node's default 64 KiB windows, every 64 KiB of an export
// waits for a window update from the receiving process; while the server under test is saturated, an
// export of 512 spans took most of a second, the exporters' queues filled and most spans were dropped
// (two in three on POST /users/:id), so the runs measured servers that skipped encoding most spans. An
// OpenTelemetry Collector (gRPC-Go) grows its windows up to 16 MiB from the bandwidth it sees; this sink
// opens them that wide from the start.
import * as http2 from 'node:http2'
import type { SinkStats } from './protocol'

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
const WINDOW_BYTES = 16 * 1024 * 1024
/** gRPC's default limit on a received message, as in OpenTelemetry's collector: a request over it is refused, not counted. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024
/** A length-prefixed message header: a compressed flag and a 4-byte big-endian length. */
const PREFIX_BYTES = 5
/** An ExportTraceServiceResponse without partial_success: an empty protobuf message. */
const EMPTY_MESSAGE = Buffer.alloc(PREFIX_BYTES)

const GRPC_OK = 0
const GRPC_RESOURCE_EXHAUSTED = 8
const GRPC_UNIMPLEMENTED = 12
const GRPC_INTERNAL = 13

export interface Sink {
  port: number
  stats (): SinkStats
  /** Drops every connection at once: clients of a finished run must not keep the sink open. */
  close (): void
}

function answer (stream: http2.ServerHttp2Stream, status: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return
  if (status !== GRPC_OK) {
    // A trailers-only answer, as gRPC sends an error before any message.
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status), 'grpc-message': encodeURIComponent(message) }, { endStream: true })
    return
  }
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
  stream.once('wantTrailers', () => { stream.sendTrailers({ 'grpc-status': String(GRPC_OK) }) })
  stream.end(EMPTY_MESSAGE)
}

/** Reads one export request's body and counts its message; the bytes are never kept. */
function serveExport (stream: http2.ServerHttp2Stream, stats: SinkStats): void {
  let received = 0
  let length = -1
  let header = Buffer.alloc(0)
  stream.on('data', (chunk: Buffer) => {
    if (length < 0) {
      header = Buffer.concat([header, chunk.subarray(0, PREFIX_BYTES - header.length)])
      if (header.length === PREFIX_BYTES) length = header.readUInt32BE(1)
    }
    received += chunk.length
  })
  stream.on('end', () => {
    const message = received - PREFIX_BYTES
    if (length < 0 || message !== length) {
      answer(stream, GRPC_INTERNAL, `expected one length-prefixed message, got ${received} bytes`)
    } else if (length > MAX_MESSAGE_BYTES) {
      answer(stream, GRPC_RESOURCE_EXHAUSTED, `received message larger than max (${length} vs. ${MAX_MESSAGE_BYTES})`)
    } else {
      stats.calls++
      stats.bytes += length
      answer(stream, GRPC_OK, '')
    }
  })
  stream.on('error', () => {})
}

/** Listens on 127.0.0.1 on a free port. */
export async function startSink (): Promise<Sink> {
  const stats: SinkStats = { calls: 0, bytes: 0 }
  const sessions = new Set<http2.ServerHttp2Session>()
  const server = http2.createServer({ settings: { initialWindowSize: WINDOW_BYTES } })
  server.on('session', (session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
    // The settings above are each stream's window; the connection's own window is set here.
    session.setLocalWindowSize(WINDOW_BYTES)
  })
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === EXPORT_PATH) serveExport(stream, stats)
    else answer(stream, GRPC_UNIMPLEMENTED, `no method ${String(headers[':path'])}`)
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('the sink has no TCP address'))
      else resolve(address.port)
    })
  })
  return {
    port,
    stats: () => ({ ...stats }),
    close: () => {
      for (const session of sessions) session.destroy()
      server.close()
    }
  }
}
