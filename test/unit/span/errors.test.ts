import { test } from 'tap'
import { ConnectionTimeoutError, recordError, RequestAbortedError } from '../../../lib/span/errors'

const AT = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

test('an Error with a cause chain: type, message, root, and one Caused by line per cause', async (t) => {
  class PaymentError extends Error {}
  const root = new TypeError('card declined')
  const middle = new RangeError('charge failed', { cause: root })
  const error = new PaymentError('order not placed', { cause: middle })
  const recorded = recordError(error, AT)
  if (recorded === undefined) throw new Error('an Error must be recorded')
  t.equal(recorded.type, 'PaymentError')
  t.equal(recorded.message, 'order not placed')
  t.ok(recorded.stacktrace.startsWith(String(error.stack)), 'the stacktrace starts with the stack')
  t.ok(recorded.stacktrace.endsWith('\nCaused by: RangeError: charge failed\nCaused by: TypeError: card declined'), 'and ends with the chain')
  t.same(recorded.entry, {
    when: '2026-01-02T03:04:05.678Z',
    error_type: 'PaymentError',
    message: 'order not placed',
    root_error_type: 'TypeError',
    root_error_message: 'card declined',
    stack_trace: error.stack
  })
})

test('a cyclic cause chain ends at the first repeat', async (t) => {
  const a = new Error('a')
  const b = new Error('b', { cause: a })
  a.cause = b
  const recorded = recordError(a, AT)
  t.equal(recorded?.stacktrace.split('Caused by:').length, 3, 'b, then a once, then the cycle stops')
})

test('non-Error values become errors; values that say nothing are not recorded', async (t) => {
  t.equal(recordError('boom', AT)?.stacktrace, 'Error: boom', 'a string has no stack: type and message stand in')
  t.equal(recordError(42, AT)?.message, '42')
  t.equal(recordError({ name: 'Custom', message: 'plain object' }, AT)?.type, 'Custom')
  t.equal(recordError(undefined, AT), undefined)
  t.equal(recordError(null, AT), undefined)
  t.equal(recordError({ nothing: true }, AT), undefined)
  t.equal(recordError(Symbol('x'), AT), undefined)
})

test('a cause that says nothing ends the chain: the error is its own root', async (t) => {
  const recorded = recordError(new Error('top', { cause: { code: 1 } }), AT)
  t.equal(recorded?.entry.root_error_message, 'top')
  t.notMatch(recorded?.stacktrace, /Caused by/)
})

test('aborts and timeouts have their own types', async (t) => {
  t.equal(recordError(new RequestAbortedError(), AT)?.type, 'RequestAbortedError')
  t.equal(recordError(new ConnectionTimeoutError(), AT)?.message, 'connection timed out')
})
