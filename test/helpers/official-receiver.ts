// A real OTLP/gRPC receiver on loopback that decodes every export with the official protos: what the
// plugin sends, read by code that owes nothing to the plugin's own encoder or collector.
import * as grpc from '@grpc/grpc-js'
import { flattenTraceRequest, type FlatSpan } from './official-protos'

export type DecodedSpan = FlatSpan

export interface OfficialReceiver {
  endpoint: string
  /** Every span received so far, in arrival order. */
  spans: DecodedSpan[]
  /** Raw export requests, as received. */
  requests: Buffer[]
  /** Resolves once `ready(spans)` holds; the test's timeout bounds the wait. */
  until (ready: (spans: DecodedSpan[]) => boolean): Promise<DecodedSpan[]>
  close (): Promise<void>
}

export interface ReceiverOptions {
  /** Answer each export this late, to play a slow collector. */
  delayMs?: number
  /** Answer exports with UNAVAILABLE instead of taking them. */
  refuse?: () => boolean
}

const identity = (value: Buffer): Buffer => value

export async function startOfficialReceiver (options: ReceiverOptions = {}, port = 0): Promise<OfficialReceiver> {
  const spans: DecodedSpan[] = []
  const requests: Buffer[] = []
  let waiters: Array<() => void> = []
  const server = new grpc.Server()
  server.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity
    }
  }, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const answer = (): void => {
        if (options.refuse?.() === true) {
          callback({ code: grpc.status.UNAVAILABLE, details: 'refused by the test' })
          return
        }
        requests.push(call.request)
        spans.push(...flattenTraceRequest(call.request))
        for (const wake of waiters.splice(0)) wake()
        callback(null, Buffer.alloc(0))
      }
      if (options.delayMs === undefined) answer()
      else setTimeout(answer, options.delayMs)
    }
  })
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => { err === null ? resolve(p) : reject(err) })
  })
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    spans,
    requests,
    async until (ready) {
      while (!ready(spans)) await new Promise<void>((resolve) => { waiters.push(resolve) })
      return spans
    },
    close: () => new Promise<void>((resolve) => {
      waiters = []
      server.tryShutdown(() => resolve())
      // Held exports (a slow receiver) must not keep the test alive.
      setTimeout(() => { server.forceShutdown(); resolve() }, 200).unref()
    })
  }
}
