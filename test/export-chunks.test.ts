// Batches of the plugin's own pipeline are cut by estimated size, in order, without losing a span.
import { test } from 'tap'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node'
import { chunkBySize, estimateSpanBytes } from '../lib/export/export-chunks'

function spansWithBodies (sizes: number[]): ReadableSpan[] {
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracer = provider.getTracer('test')
  for (const size of sizes) {
    const span = tracer.startSpan('apitoolkit-http-span')
    span.setAttributes({ 'http.request.body': 'A'.repeat(size), 'apitoolkit.tags': ['prod', 'eu'], 'http.response.status_code': 200 })
    span.end()
  }
  return exporter.getFinishedSpans()
}

test('the estimate is at least the size of the attribute text', async (t) => {
  const [span] = spansWithBodies([10_000])
  t.ok(estimateSpanBytes(span) >= 10_000 + 'http.request.body'.length + 'prod'.length + 'eu'.length)
})

test('spans are cut into chunks within the budget, in order, none lost', async (t) => {
  const spans = spansWithBodies(Array(10).fill(1000))
  const per = estimateSpanBytes(spans[0])
  const chunks = chunkBySize(spans, per * 3)
  t.same(chunks.map((c) => c.length), [3, 3, 3, 1])
  t.same(chunks.flat(), spans, 'the same spans in the same order')
})

test('a batch within the budget stays whole, and an empty one gives no chunk', async (t) => {
  const spans = spansWithBodies([10, 20, 30])
  t.same(chunkBySize(spans), [spans])
  t.same(chunkBySize([]), [])
})

test('a span larger than the budget goes alone and takes no other with it', async (t) => {
  const spans = spansWithBodies([100, 50_000, 100])
  t.same(chunkBySize(spans, 10_000).map((c) => c.length), [1, 1, 1])
})
