// The collector every traced variant exports to: a gRPC server with OTLP's trace Export method that
// counts calls and bytes and answers success without decoding anything. Decoding would make the
// sink's own CPU use grow with what the spans hold; on a 2-core machine it shares the cores with the
// server under test, so it must stay small and the same for every variant.
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition
} from '@grpc/grpc-js'
import type { SinkStats } from './protocol'

const identity = (bytes: Buffer): Buffer => bytes

/** The trace service with raw bytes in and out: gRPC frames the messages, nothing parses them. */
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity
  }
}

/** An ExportTraceServiceResponse without partial_success: an empty protobuf message, zero bytes. */
const EMPTY_RESPONSE = Buffer.alloc(0)

export interface Sink {
  port: number
  stats (): SinkStats
  /** Drops every connection at once: clients of a finished run must not keep the sink open. */
  close (): void
}

/**
 * Listens on 127.0.0.1 on a free port. gRPC's default 4 MiB limit on a received message stays, as in
 * OpenTelemetry's collector: a request over it is refused, not counted.
 */
export async function startSink (): Promise<Sink> {
  const stats: SinkStats = { calls: 0, bytes: 0 }
  const server = new Server()
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      stats.calls++
      stats.bytes += call.request.length
      callback(null, EMPTY_RESPONSE)
    }
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) => {
      if (err !== null) reject(err)
      else resolve(bound)
    })
  })
  return {
    port,
    stats: () => ({ ...stats }),
    close: () => server.forceShutdown()
  }
}
