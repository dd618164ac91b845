// The pipeline in memory: a transport that records what it is sent and answers when told to.
import { test } from 'tap'
import type { EncodedBatch, ExportOutcome, Transport } from '../../../lib/export/grpc-transport'
import { encodeResource, encodeScope, type OtlpSpan } from '../../../lib/export/otlp-encoder'
import { flattenTraceRequest } from '../../helpers/official-protos'
import { sampleSpan } from '../../helpers/otlp-span'
import { createPipeline, FLUSH_INTERVAL_MS, type PipelineOptions } from '../../../lib/export/pipeline'

class HeldTransport implements Transport {
  sent: EncodedBatch[] = []
  private pending: Array<(outcome: ExportOutcome) => void> = []
  shutdowns = 0

  send (batch: EncodedBatch, done: (outcome: ExportOutcome) => void): void {
    this.sent.push(batch)
    this.pending.push(done)
  }

  /** Closes the pipeline, answering what close sends. */
  async close (pipeline: { close: () => Promise<void> }, ok = true): Promise<void> {
    const closing = pipeline.close()
    this.answerAll(ok)
    await closing
  }

  answerAll (ok = true): void {
    for (const done of this.pending.splice(0)) done({ ok, error: ok ? undefined : new Error('collector down') })
  }

  async shutdown (): Promise<void> { this.shutdowns++ }
}

interface Logged { obj: Record<string, unknown>, msg: string }

function logger (): { warn: (obj: object, msg: string) => void, lines: Logged[] } {
  const lines: Logged[] = []
  return { lines, warn: (obj, msg) => { lines.push({ obj: obj as Record<string, unknown>, msg }) } }
}

function span (bodyBytes = 0): OtlpSpan {
  return sampleSpan(['http.request.body', 'A'.repeat(bodyBytes)])
}

function options (overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    resource: encodeResource(['service.name', 'test']),
    scope: encodeScope('apitoolkit-fastify', '0.0.0'),
    maxQueueSize: 2048,
    maxQueueBytes: 32 * 1024 * 1024,
    ...overrides
  }
}

test('a full batch is sent at once; the rest waits for the timer or close', async (t) => {
  const transport = new HeldTransport()
  const pipeline = createPipeline(options(), transport, logger())
  for (let i = 0; i < 513; i++) pipeline.submit(span())
  t.same(transport.sent.map((b) => b.count), [512], '512 spans make a batch')
  await new Promise((resolve) => setTimeout(resolve, FLUSH_INTERVAL_MS + 200))
  t.same(transport.sent.map((b) => b.count), [512, 1], 'the timer sends what is left')
  await transport.close(pipeline)
  t.equal(transport.shutdowns, 1, 'close stops the transport')
})

test('a batch is sent before it grows past a megabyte', async (t) => {
  const transport = new HeldTransport()
  const pipeline = createPipeline(options(), transport, logger())
  for (let i = 0; i < 20; i++) pipeline.submit(span(100_000))
  t.ok(transport.sent.length >= 1, 'sent before the timer')
  await transport.close(pipeline)
  for (const batch of transport.sent) t.ok(batch.bytes.length < 1.2 * 1024 * 1024, `${batch.bytes.length} bytes in one request`)
  t.equal(transport.sent.reduce((n, b) => n + b.count, 0), 20, 'every span sent')
})

test('what waits is bounded in spans: the rest is dropped, counted and logged', async (t) => {
  const transport = new HeldTransport()
  const log = logger()
  const pipeline = createPipeline(options({ maxQueueSize: 10 }), transport, log)
  for (let i = 0; i < 25; i++) pipeline.submit(span())
  await transport.close(pipeline)
  t.same(transport.sent.map((b) => b.count), [10], 'only the spans that fit were sent')
  t.equal(log.lines[0]?.obj.droppedSpans, 1, 'the first drop is logged at once')
  t.equal(log.lines.length >= 2, true)
  t.equal(log.lines[log.lines.length - 1].obj.droppedSpans, 15, 'the total is logged at close')
})

test('what waits is bounded in bytes', async (t) => {
  const transport = new HeldTransport()
  const log = logger()
  const pipeline = createPipeline(options({ maxQueueBytes: 300_000 }), transport, log)
  for (let i = 0; i < 10; i++) pipeline.submit(span(64 * 1024))
  const accepted = transport.sent.reduce((n, b) => n + b.count, 0)
  pipeline.submit(span())
  await transport.close(pipeline)
  const sent = transport.sent.reduce((n, b) => n + b.count, 0)
  t.ok(sent >= 4 && sent <= 6, `about 300 KB of 64 KiB spans kept (${sent})`)
  t.ok(accepted <= sent)
  t.equal(log.lines[log.lines.length - 1].obj.droppedSpans, 11 - sent)
})

test('room comes back once a batch is answered', async (t) => {
  const transport = new HeldTransport()
  const pipeline = createPipeline(options({ maxQueueSize: 512 }), transport, logger())
  for (let i = 0; i < 512; i++) pipeline.submit(span())
  pipeline.submit(span())
  t.same(transport.sent.map((b) => b.count), [512], 'the 513th is dropped while the batch is in flight')
  transport.answerAll()
  pipeline.submit(span())
  await transport.close(pipeline)
  t.same(transport.sent.map((b) => b.count), [512, 1], 'and taken again after the answer')
})

function labelled (label: string): OtlpSpan {
  return sampleSpan(['http.route', label])
}

function routesOf (bytes: Buffer): string[] {
  return flattenTraceRequest(bytes).map((s) => String(s.attributes['http.route']))
}

test('a batch\'s bytes stay as sent until its export is answered; later batches are written in the buffers of answered ones', async (t) => {
  const transport = new HeldTransport()
  const pipeline = createPipeline(options(), transport, logger())
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('first'))
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('second'))
  const [first, second] = transport.sent
  const firstCopy = Buffer.from(first.bytes)
  t.not(first.bytes.buffer, second.bytes.buffer, 'a batch in flight is not written over')
  t.ok(firstCopy.equals(first.bytes), 'the first batch is unchanged while the second is written')
  transport.answerAll(false)
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('third'))
  const third = transport.sent[2]
  t.ok([first.bytes.buffer, second.bytes.buffer].includes(third.bytes.buffer), 'the third batch reuses an answered batch\'s buffer, failed or not')
  t.same(new Set(routesOf(third.bytes)), new Set(['third']), 'and decodes to its own spans alone')
  t.equal(routesOf(third.bytes).length, 512)
  await transport.close(pipeline)
})

test('kept buffers are let go after a quiet second, and one over 2 MiB is never kept', async (t) => {
  const transport = new HeldTransport()
  const pipeline = createPipeline(options(), transport, logger())
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('before'))
  transport.answerAll()
  await new Promise((resolve) => setTimeout(resolve, 2 * FLUSH_INTERVAL_MS + 200))
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('after'))
  t.not(transport.sent[1].bytes.buffer, transport.sent[0].bytes.buffer, 'a new buffer after a quiet interval')

  pipeline.submit(span(3 * 1024 * 1024))
  const large = transport.sent[transport.sent.length - 1]
  t.ok(large.bytes.buffer.byteLength > 2 * 1024 * 1024, 'the large span\'s batch is over 2 MiB')
  transport.answerAll()
  for (let i = 0; i < 512; i++) pipeline.submit(labelled('small'))
  const small = transport.sent[transport.sent.length - 1]
  t.not(small.bytes.buffer, large.bytes.buffer, 'the large buffer was not kept')
  t.same(new Set(routesOf(small.bytes)), new Set(['small']))
  await transport.close(pipeline)
})

test('failed exports are counted and logged; close is bounded when no answer comes', async (t) => {
  const transport = new HeldTransport()
  const log = logger()
  const pipeline = createPipeline(options(), transport, log)
  pipeline.submit(span())
  await transport.close(pipeline, false)
  t.equal(log.lines.some((l) => l.obj.failedSpans === 1), true, 'the failure is logged')

  const silent = new HeldTransport()
  const stuck = createPipeline(options(), silent, logger())
  stuck.submit(span())
  const started = Date.now()
  await stuck.close()
  const took = Date.now() - started
  t.ok(took < 8000, `close returned without an answer (${took} ms)`)
  t.equal(silent.shutdowns, 1)
})

test('a span that would take its batch past 4 MiB goes in a batch of its own; one over 4 MiB alone is dropped, counted and logged', async (t) => {
  const transport = new HeldTransport()
  const log = logger()
  const pipeline = createPipeline(options(), transport, log)
  pipeline.submit(span(1000 * 1024))
  pipeline.submit(span(3200 * 1024))
  t.same(transport.sent.map((b) => b.count), [1, 1], 'the small span went out first, the large one alone')
  t.ok(transport.sent.every((b) => b.bytes.length < 4 * 1024 * 1024), 'each request under 4 MiB')
  pipeline.submit(span(5 * 1024 * 1024))
  pipeline.submit(span(10))
  t.equal(log.lines.length, 1)
  t.match(log.lines[0].obj, { droppedSpans: 1 })
  t.match(String((log.lines[0].obj.err as Error).message), /larger than a collector accepts in one export request \(4 MiB\).*maxBodyBytes/)
  await transport.close(pipeline)
  t.same(transport.sent.map((b) => b.count), [1, 1, 1], 'the span after the dropped one is sent')
  t.ok(transport.sent.every((b) => b.bytes.length < 4 * 1024 * 1024))
})

test('a span ended after close is not sent: counted and logged, never left in a batch no timer sends', async (t) => {
  const transport = new HeldTransport()
  const log = logger()
  const pipeline = createPipeline(options(), transport, log)
  pipeline.submit(span())
  await transport.close(pipeline)
  t.same(transport.sent.map((b) => b.count), [1])
  pipeline.submit(span())
  pipeline.submit(span())
  t.same(transport.sent.map((b) => b.count), [1], 'nothing more sent')
  t.equal(log.lines.length, 1, 'logged once, not per span')
  t.match(log.lines[0], { obj: { droppedSpans: 1 }, msg: /ended after app\.close\(\) and was not sent/ })
})
