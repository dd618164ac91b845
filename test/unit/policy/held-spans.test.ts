import { test } from 'tap'
import type { OtlpSpan } from '../../../lib/export/otlp-encoder'
import { HeldSpans } from '../../../lib/policy/held-spans'
import { sampleSpan } from '../../helpers/otlp-span'

function collecting (): { spans: OtlpSpan[], submit: (span: OtlpSpan) => void } {
  const spans: OtlpSpan[] = []
  return { spans, submit: (span) => { spans.push(span) } }
}

test('held spans go out in order once the request is kept, and later ones at once', async (t) => {
  const sink = collecting()
  const held = new HeldSpans(sink)
  const [a, b, c] = [sampleSpan([]), sampleSpan([]), sampleSpan([])]
  held.submit(a)
  held.submit(b)
  t.same(sink.spans, [], 'nothing before the decision')
  held.decide(true)
  t.equal(sink.spans.length, 2)
  t.equal(sink.spans[0], a)
  t.equal(sink.spans[1], b)
  held.submit(c)
  t.equal(sink.spans[2], c, 'a call ending after its kept request is sent')
  held.decide(false)
  t.equal(sink.spans.length, 3, 'a decision is taken once')
})

test('held spans are dropped with a request that is not kept, and so are later ones', async (t) => {
  const sink = collecting()
  const held = new HeldSpans(sink)
  held.submit(sampleSpan([]))
  held.decide(false)
  held.submit(sampleSpan([]))
  held.decide(true)
  t.same(sink.spans, [])
})

test('a request making very many calls holds a bounded number of them', async (t) => {
  const sink = collecting()
  const held = new HeldSpans(sink)
  for (let i = 0; i < 1000; i++) held.submit(sampleSpan([]))
  held.decide(true)
  t.equal(sink.spans.length, 128)
})
