// The status of a call that got no response, for every client's way of saying why.
import { test } from 'tap'
import { monitoredStatus, noResponseStatus } from '../../../lib/outgoing/outgoing-call'

function coded (code: string, name = 'Error', cause?: unknown): Error {
  return Object.assign(new Error(`failed: ${code}`, { cause }), { code, name })
}

test('failed 502, timed out 504, aborted 499: node:http, axios, got and fetch errors', async (t) => {
  const timeoutReason = new DOMException('signal timed out', 'TimeoutError')
  const cases: Array<[string, unknown, number]> = [
    ['a refused connection', coded('ECONNREFUSED'), 502],
    ['axios wrapping a refused connection', coded('ECONNREFUSED', 'AxiosError'), 502],
    ['fetch wrapping a refused connection', new TypeError('fetch failed', { cause: coded('ECONNREFUSED') }), 502],
    ['a reset socket', coded('ECONNRESET'), 502],
    ['got\'s timeout', coded('ETIMEDOUT', 'TimeoutError'), 504],
    ['axios\'s timeout', coded('ECONNABORTED', 'AxiosError'), 504],
    ['axios\'s clarified timeout', coded('ETIMEDOUT', 'AxiosError'), 504],
    ['node:http aborted by a signal that timed out', coded('ABORT_ERR', 'AbortError', timeoutReason), 504],
    ['node:http aborted by a signal', coded('ABORT_ERR', 'AbortError', new DOMException('This operation was aborted', 'AbortError')), 499],
    ['node:http aborted, no cause', coded('ABORT_ERR', 'AbortError'), 499],
    ['axios cancelled', coded('ERR_CANCELED', 'CanceledError'), 499],
    ['a socket ECONNABORTED that is not axios\'s', coded('ECONNABORTED'), 502],
    ['not an error at all', 'nope', 502]
  ]
  for (const [what, error, status] of cases) t.equal(noResponseStatus(error), status, what)
})

test('the caller\'s signal, when known, decides whatever the error says', async (t) => {
  t.equal(noResponseStatus(coded('ERR_CANCELED', 'CanceledError'), AbortSignal.abort(new DOMException('late', 'TimeoutError'))), 504)
  t.equal(noResponseStatus(coded('ECONNREFUSED'), AbortSignal.abort()), 499)
})

test('for the monitors, an error without a code is the reason the caller aborted with', async (t) => {
  t.equal(monitoredStatus(new Error('caller gave up')), 499)
  t.equal(monitoredStatus(coded('ECONNREFUSED')), 502)
  t.equal(monitoredStatus(coded('ETIMEDOUT', 'TimeoutError')), 504)
})
