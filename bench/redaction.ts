// Micro-benchmark: the compiled redaction engine against jsonpath.apply, on the APItoolkit guide's user
// document with three paths. Run with `node dist/bench/redaction.js` after a build; takes a few seconds.
import { isDeepStrictEqual } from 'node:util'
import jsonpath from 'jsonpath'
import { compileRedaction, REDACTED, redactJsonText, redactValue } from '../lib/redaction'
import { USER_DOCUMENT } from './workload'

const PATHS = ['$.user.email', '$.user.credit_card', '$.user.addresses[*].zip']
const SECONDS_PER_CASE = 0.75

/** What a case returns is kept here, so the work cannot be optimized away. */
let sink: unknown

function clone<T> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

function applyAll (doc: object): object {
  for (const path of PATHS) jsonpath.apply(doc, path, () => REDACTED)
  return doc
}

/** Operations per second of `fn`, timed in batches for about SECONDS_PER_CASE after a warm-up. */
function opsPerSecond (fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) sink = fn()
  const budget = BigInt(Math.round(SECONDS_PER_CASE * 1e9))
  const start = process.hrtime.bigint()
  let ops = 0
  let elapsed = 0n
  while (elapsed < budget) {
    for (let i = 0; i < 500; i++) sink = fn()
    ops += 500
    elapsed = process.hrtime.bigint() - start
  }
  return ops / (Number(elapsed) / 1e9)
}

function main (): void {
  const plan = compileRedaction(PATHS)
  const text = JSON.stringify(USER_DOCUMENT)
  // Both sides must agree before their speed means anything.
  if (!isDeepStrictEqual(redactValue(plan, USER_DOCUMENT), applyAll(clone(USER_DOCUMENT)))) {
    throw new Error('the engine and jsonpath.apply disagree on the user document')
  }
  const applied = clone(USER_DOCUMENT)
  const cases: Array<[string, () => unknown]> = [
    ['engine: redactValue (copy-on-write)', () => redactValue(plan, USER_DOCUMENT)],
    ['jsonpath.apply x3, in place', () => applyAll(applied)],
    ['jsonpath.apply x3 on a JSON clone', () => applyAll(clone(USER_DOCUMENT))],
    ['engine: redactJsonText (text in, text out)', () => redactJsonText(plan, text)],
    ['JSON.parse + jsonpath.apply x3 + stringify', () => JSON.stringify(applyAll(JSON.parse(text) as object))]
  ]
  process.stdout.write(`redaction of the guide's user document (${text.length} bytes of JSON), paths: ${PATHS.join(', ')}\n`)
  const results = cases.map(([name, fn]) => {
    const rate = opsPerSecond(fn)
    process.stdout.write(`  ${name.padEnd(46)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ops/s\n`)
    return rate
  })
  process.stdout.write(`  engine vs jsonpath.apply in place: ${(results[0] / results[1]).toFixed(1)}x; text form: ${(results[3] / results[4]).toFixed(1)}x\n`)
  if (sink === undefined) throw new Error('a benchmark case returned nothing')
}

main()
