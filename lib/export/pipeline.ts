// The export pipeline: ended spans are encoded into the open batch at once; a batch is sent when full or
// every second. What waits (the open batch and the batches in flight) is bounded in spans and in bytes,
// so a slow or unreachable collector costs bounded memory; what does not fit is dropped and counted.
import { reanchor } from '../span/clock'
import type { SpanSink } from '../span/apitoolkit-span'
import type { Transport } from './grpc-transport'
import { SpanBatch, type OtlpSpan } from './otlp-encoder'

/** The minimal logger the pipeline reports through: Fastify's. */
export interface PipelineLogger {
  warn (obj: object, msg: string): void
}

export interface PipelineOptions {
  resource: Buffer
  scope: Buffer
  /** Most spans waiting, in the open batch and in flight. */
  maxQueueSize: number
  /** Most encoded bytes waiting, in the open batch and in flight. */
  maxQueueBytes: number
}

export interface Pipeline extends SpanSink {
  /** Sends what is open, waits for what is in flight, stops the transport; bounded in time. */
  close (): Promise<void>
}

export const FLUSH_INTERVAL_MS = 1000
const MAX_BATCH_SPANS = 512
// Spans with 64 KiB bodies are about 180 KB: a batch sent at 1 MiB stays well under the 4 MiB a
// collector accepts per request by default.
const MAX_BATCH_BYTES = 1024 * 1024
// No export request may pass the 4 MiB a collector accepts (with room for gRPC's framing): a span that
// would take its batch past it goes in a batch of its own, and one that is over it alone is dropped.
const MAX_REQUEST_BYTES = 4 * 1024 * 1024 - 64 * 1024
// Buffers of sent batches kept to write the next batches in. An export holds its batch's bytes until the
// collector answers, tens of milliseconds or more: long enough for V8 to move a new buffer to the old
// generation, where the buffer (external memory) counts towards starting a full mark-compact long before
// the heap is anywhere near its limit. Reusing the buffers keeps them from being garbage at all.
const MAX_SPARE_BUFFERS = 4
const MAX_SPARE_BUFFER_BYTES = 2 * 1024 * 1024
export const CLOSE_TIMEOUT_MS = 6000
const DROP_LOG_INTERVAL_MS = 10_000

class ExportPipeline implements Pipeline {
  private open: SpanBatch | undefined = undefined
  private waitingSpans = 0
  private waitingBytes = 0
  /** What the open batch's spans added to waitingBytes. */
  private openBytes = 0
  private lastBatchBytes = 64 * 1024
  private inFlight = 0
  /** Buffers of settled batches, to write new batches in; let go when a whole interval used none. */
  private spare: Buffer[] = []
  private spareUsed = false
  private dropped = 0
  private failed = 0
  private lastLog = 0
  private idle: Array<() => void> = []
  private closed = false
  /** Spans ended after close. */
  private late = 0
  private readonly timer: NodeJS.Timeout

  constructor (private readonly options: PipelineOptions, private readonly transport: Transport, private readonly log: PipelineLogger) {
    this.timer = setInterval(() => {
      reanchor()
      this.flush()
      if (!this.spareUsed) this.spare.length = 0
      this.spareUsed = false
    }, FLUSH_INTERVAL_MS)
    this.timer.unref()
  }

  submit (span: OtlpSpan): void {
    if (this.closed) {
      // An outgoing call or a request that outlived app.close(): the exporter is stopped.
      this.dropped++
      if (this.late++ % 1000 === 0) this.log.warn({ droppedSpans: this.late }, 'apitoolkit-fastify: a span ended after app.close() and was not sent')
      return
    }
    const { maxQueueSize, maxQueueBytes } = this.options
    if (this.waitingSpans >= maxQueueSize || this.waitingBytes >= maxQueueBytes) {
      this.dropped++
      this.maybeLog(undefined)
      return
    }
    // Sized like the last batch: a batch that grows by doubling copies itself several times.
    const batch = this.open ??= this.newBatch()
    const before = batch.byteLength
    batch.add(span)
    if (batch.byteLength > MAX_REQUEST_BYTES) {
      batch.removeLast()
      if (batch.count > 0) {
        this.flush()
        this.submit(span)
      } else {
        this.dropped++
        this.maybeLog(new Error('a span larger than a collector accepts in one export request (4 MiB) was dropped: lower maxBodyBytes'))
      }
      return
    }
    const added = batch.byteLength - before
    this.waitingSpans++
    this.openBytes += added
    this.waitingBytes += added
    if (batch.count >= MAX_BATCH_SPANS || batch.byteLength >= MAX_BATCH_BYTES) this.flush()
  }

  flush (): void {
    const batch = this.open
    if (batch === undefined || batch.count === 0) return
    this.open = undefined
    const count = batch.count
    const size = this.openBytes
    this.openBytes = 0
    this.lastBatchBytes = Math.min(Math.max(size, 64 * 1024), MAX_BATCH_BYTES + 256 * 1024)
    this.inFlight++
    try {
      this.transport.send({ bytes: batch.finish(), count }, (outcome) => {
        // The export is over (retries included): nothing reads the bytes any more.
        this.putSpare(batch.buffer)
        this.settle(count, size, outcome.ok ? undefined : outcome.error ?? new Error('export failed'))
      })
    } catch (err) {
      // A batch that could not even be handed over fails here, without taking the timer or close down with it.
      this.settle(count, size, err instanceof Error ? err : new Error(String(err)))
    }
  }

  private newBatch (): SpanBatch {
    const reuse = this.spare.pop()
    const batch = new SpanBatch(this.options.resource, this.options.scope, this.lastBatchBytes, reuse)
    // One too small for the batch is let go; only one written in counts as the interval's use.
    if (reuse !== undefined && batch.buffer === reuse) this.spareUsed = true
    return batch
  }

  private putSpare (buffer: Buffer): void {
    if (this.closed || this.spare.length >= MAX_SPARE_BUFFERS || buffer.length > MAX_SPARE_BUFFER_BYTES) return
    this.spare.push(buffer)
  }

  private settle (count: number, size: number, error: Error | undefined): void {
    this.inFlight--
    this.waitingSpans -= count
    this.waitingBytes -= size
    if (error !== undefined) {
      this.failed += count
      this.maybeLog(error)
    }
    if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake()
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    this.flush()
    this.closed = true
    const settled = this.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => { this.idle.push(resolve) })
    await withTimeout(settled, CLOSE_TIMEOUT_MS)
    await withTimeout(this.transport.shutdown(), 1000)
    if (this.dropped > 0 || this.failed > 0) {
      this.log.warn({ droppedSpans: this.dropped, failedSpans: this.failed }, 'apitoolkit-fastify: spans not delivered in total')
    }
  }

  private maybeLog (error: Error | undefined): void {
    const now = Date.now()
    if (now - this.lastLog < DROP_LOG_INTERVAL_MS) return
    this.lastLog = now
    this.log.warn(
      { droppedSpans: this.dropped, failedSpans: this.failed, pendingSpans: this.waitingSpans, err: error },
      'apitoolkit-fastify: spans not delivered (collector slow or unreachable)'
    )
  }
}

// The timer holds the process open: close() was asked for and must settle, within `ms`.
function withTimeout (work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    work.then(() => { clearTimeout(timer); resolve() }, () => { clearTimeout(timer); resolve() })
  })
}

export function createPipeline (options: PipelineOptions, transport: Transport, log: PipelineLogger): Pipeline {
  return new ExportPipeline(options, transport, log)
}
