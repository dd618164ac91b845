import { test } from 'tap'
import { isSpanContextValid, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api'
import { ApitoolkitSpan } from '../../../lib/span/apitoolkit-span'
import { activeParent, formatTraceparent, parseTraceparent } from '../../../lib/span/trace-context'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

test('a valid traceparent gives a remote parent', async (t) => {
  const parent = parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'vendor=x')
  t.equal(parent?.traceId.toString('hex'), TRACE)
  t.equal(parent?.spanId.toString('hex'), SPAN)
  t.equal(parent?.traceFlags, TraceFlags.SAMPLED)
  t.equal(parent?.traceState, 'vendor=x')
  t.equal(parent?.isRemote, true)
  t.equal(parent?.isServerSpan, false)
})

test('invalid, repeated or unknown-version traceparents start a new trace', async (t) => {
  const bad = [
    undefined, '', 'garbage', `00-${TRACE}-${SPAN}`, `00-${'0'.repeat(32)}-${SPAN}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`,
    `ff-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01-extra`, `00-${TRACE.toUpperCase()}-${SPAN}-01`
  ]
  for (const header of bad) t.equal(parseTraceparent(header, undefined), undefined, `refused: ${String(header)}`)
  t.equal(parseTraceparent([`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`], undefined), undefined, 'two headers: refused')
})

test('a later version may carry more fields', async (t) => {
  t.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-more`, undefined)?.spanId.toString('hex'), SPAN)
})

test('formatTraceparent writes what parseTraceparent reads', async (t) => {
  const header = formatTraceparent(Buffer.from(TRACE, 'hex'), Buffer.from(SPAN, 'hex'), TraceFlags.SAMPLED)
  t.equal(header, `00-${TRACE}-${SPAN}-01`)
  t.equal(formatTraceparent(Buffer.from(TRACE, 'hex'), Buffer.from(SPAN, 'hex'), TraceFlags.NONE).slice(-2), '00')
})

test('the active span of another instrumentation is the parent; a server span makes ours internal', async (t) => {
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: false })
  const parent = activeParent(ctx)
  t.equal(parent?.traceId.toString('hex'), TRACE)
  t.equal(parent?.isRemote, false)
  t.equal(parent?.isServerSpan, false, 'a span that does not say its kind is not taken for a server span')
  const server = Object.assign(trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }), { kind: SpanKind.SERVER })
  t.equal(activeParent(trace.setSpan(ROOT_CONTEXT, server))?.isServerSpan, true)
  t.equal(activeParent(ROOT_CONTEXT), undefined, 'no active span: no parent')
})

test('an active span with an invalid context is no parent', async (t) => {
  const invalid = [
    { traceId: '0'.repeat(32), spanId: SPAN }, { traceId: TRACE, spanId: '0'.repeat(16) },
    { traceId: TRACE.slice(1), spanId: SPAN }, { traceId: TRACE, spanId: `${SPAN.slice(1)}x` }
  ]
  for (const ids of invalid) {
    t.equal(activeParent(trace.setSpanContext(ROOT_CONTEXT, { ...ids, traceFlags: 1 })), undefined, `refused: ${JSON.stringify(ids)}`)
  }
  const upper = activeParent(trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), traceFlags: 1 }))
  t.equal(upper?.spanId.toString('hex'), SPAN, 'upper-case hex is read, as the API takes it')
})

test("the APItoolkit span's context gives its ids in hex, as the API's helpers read them", async (t) => {
  const span = ApitoolkitSpan.incoming(parseTraceparent(`00-${TRACE}-${SPAN}-01`, undefined))
  const sc = span.spanContext()
  t.equal(sc.traceId, TRACE)
  t.equal(sc.spanId, span.spanId.toString('hex'))
  t.equal(sc.traceFlags, TraceFlags.SAMPLED)
  t.equal(sc.isRemote, false)
  t.ok(isSpanContextValid(sc))
  t.same(trace.getSpanContext(trace.setSpanContext(ROOT_CONTEXT, sc)), sc, 'made active and read back, the same context')
})
