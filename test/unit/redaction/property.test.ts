// Property: for random JSON documents and random paths in the supported syntax (and broken variants of
// it), the engine agrees with the jsonpath package itself: it refuses exactly the paths the package's
// parser rejects (plus the forms it refuses by design), and redacts exactly what
// `jsonpath.apply(clone, path, () => marker)`, path after path, redacts.
import t from 'tap'
import fc from 'fast-check'
import jsonpath from 'jsonpath'
import { isDeepStrictEqual } from 'node:util'
import { compileRedaction, REDACTED, RedactionPathError, redactValue } from '../../../lib/redaction'

// Document keys: names, index-like strings (jsonpath compares some of them loosely), and characters that
// need quoting. `"q` makes jsonpath.apply throw when it lies above a match (and so do negative-step slices
// starting past the end); those runs are skipped.
const KEYS = ['a', 'b', 'c', 'x_1', '0', '1', '2', '01', ' 1', '', 'a-b', 'a.b', 'x]y', "it's", 'é', '"q']
const NAMES = ['a', 'b', 'c', 'x_1']

// Mostly the names paths use, so that paths often match.
const docKey = fc.oneof({ arbitrary: fc.constantFrom(...NAMES), weight: 3 }, { arbitrary: fc.constantFrom(...KEYS), weight: 2 })

const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('s', '', 'xyz'), fc.boolean(), fc.constant(null))

const { doc } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('array'), tie('object'), fc.constantFrom([], {})),
  array: fc.array(tie('value'), { minLength: 1, maxLength: 5 }),
  object: fc.dictionary(docKey, tie('value'), { minKeys: 1, maxKeys: 6 }),
  doc: fc.oneof(tie('object'), tie('array'))
}))

const int = fc.integer({ min: -3, max: 5 })
const quoted = fc.tuple(fc.constantFrom(...KEYS), fc.boolean()).map(([key, double]) =>
  // a key holding one kind of quote goes in the other kind, or it would not lex
  (double || key.includes("'")) && !key.includes('"') ? `"${key}"` : `'${key}'`)
const bound = fc.option(int, { nil: undefined }).map((n) => (n === undefined ? '' : String(n)))
const slice = fc.tuple(bound, bound, fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined })).map(
  ([start, end, step]) => (step === undefined ? `${start}:${end}` : `${start}:${end}:${step}`))
const union = fc.array(fc.oneof(int.map(String), quoted, slice), { minLength: 2, maxLength: 3 }).map((parts) => parts.join(','))

const component = fc.oneof(
  { arbitrary: fc.constantFrom(...NAMES).map((n) => `.${n}`), weight: 6 },
  { arbitrary: fc.constantFrom(...NAMES).map((n) => `..${n}`), weight: 3 },
  { arbitrary: fc.constantFrom('.*', '..*', '[*]', '..[*]'), weight: 4 },
  { arbitrary: fc.nat(3).map((n) => `.${n}`), weight: 2 },
  { arbitrary: int.map((n) => `..${n}`), weight: 1 },
  { arbitrary: int.map((n) => `[${n}]`), weight: 4 },
  { arbitrary: int.map((n) => `..[${n}]`), weight: 2 },
  { arbitrary: quoted.map((q) => `[${q}]`), weight: 4 },
  { arbitrary: quoted.map((q) => `..[${q}]`), weight: 2 },
  { arbitrary: slice.map((s) => `[${s}]`), weight: 4 },
  { arbitrary: union.map((u) => `[${u}]`), weight: 3 }
)

const badComponent = fc.oneof(
  // refused by design: descendant union and slice, filter and script expressions
  union.map((u) => `..[${u}]`),
  slice.map((s) => `..[${s}]`),
  fc.constantFrom('[?(@.a)]', '[(@.length-1)]', '..[?(@.b > 1)]'),
  // not JSONPath at all
  fc.constantFrom('[', ']', '.', '..', ' ', '[01]', '.é', '$', '[a]', "['x'", '[0,]')
)

/** Components, one of them broken now and then. */
const components = (min: number): fc.Arbitrary<string[]> => fc.tuple(
  fc.array(component, { minLength: min, maxLength: 4 }),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: fc.tuple(badComponent, fc.nat()), weight: 1 })
).map(([cs, bad]) => {
  if (bad !== undefined) cs.splice(bad[1] % (cs.length + 1), 0, bad[0])
  return cs
})

/** `$` + components, or a leading member without `$` (read as `$.` + path). */
const path = fc.oneof(
  { arbitrary: components(1).map((cs) => '$' + cs.join('')), weight: 5 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...NAMES, '*', '0', '1'), components(0)).map(([first, cs]) => first + cs.join('')),
    weight: 1
  }
)

interface Component { expression: { type: string, value: unknown }, scope?: string }

function parses (p: string): Component[] | undefined {
  try {
    return jsonpath.parse(p) as Component[]
  } catch {
    return undefined
  }
}

function zeroStep (slice: string): boolean {
  const step = slice.split(':')[2]
  return step !== undefined && /^-?[0-9]+$/.test(step) && parseInt(step, 10) === 0
}

/** The forms the engine refuses on purpose although the parser accepts them. */
function refusedByDesign (components: Component[]): boolean {
  return components.some(({ expression: { type, value }, scope }) => {
    if (type === 'filter_expression' || type === 'script_expression') return true
    if (scope === 'descendant' && (type === 'union' || type === 'slice')) return true
    if (type === 'slice') return zeroStep(value as string)
    if (type === 'union') return (value as Component[]).some((m) => m.expression.type === 'slice' && zeroStep(m.expression.value as string))
    return false
  })
}

/** jsonpath.apply with the marker, path after path, on a clone; undefined when jsonpath itself throws. */
function oracle (value: unknown, paths: string[]): { result: unknown } | undefined {
  const clone = JSON.parse(JSON.stringify(value)) as object
  try {
    for (const p of paths) jsonpath.apply(clone, p.startsWith('$') ? p : `$.${p}`, () => REDACTED)
  } catch {
    return undefined
  }
  return { result: clone }
}

t.test('the engine equals jsonpath.apply on random documents and paths', async (t) => {
  const seen = { compared: 0, changed: 0, refused: 0, skipped: 0 }
  fc.assert(
    fc.property(doc, fc.array(path, { minLength: 1, maxLength: 3 }), (raw, paths) => {
      // Through JSON, as a parsed body would be (fast-check may make prototype-less objects).
      const value: unknown = JSON.parse(JSON.stringify(raw))
      const firstBad = paths.find((p) => {
        const components = parses(p)
        return components === undefined || refusedByDesign(components)
      })
      if (firstBad !== undefined) {
        seen.refused++
        try {
          compileRedaction(paths)
        } catch (err) {
          return err instanceof RedactionPathError && err.path === firstBad
        }
        return false
      }
      const before = JSON.stringify(value)
      const got = redactValue(compileRedaction(paths), value)
      if (JSON.stringify(value) !== before) return false // the input must never change
      const expected = oracle(value, paths)
      if (expected === undefined) {
        seen.skipped++
        return true
      }
      seen.compared++
      if (!isDeepStrictEqual(got, expected.result)) return false
      // Documents never hold the marker, so an unchanged result means nothing matched: same reference.
      if (isDeepStrictEqual(expected.result, value)) return got === value
      seen.changed++
      return true
    }),
    { numRuns: 3000 }
  )
  t.comment(JSON.stringify(seen))
  // The property is only worth something if most runs were really compared, many of them with matches,
  // and if broken paths came up too.
  t.ok(seen.compared >= 1600, `compared ${seen.compared} of 3000 runs with jsonpath.apply`)
  t.ok(seen.changed >= 350, `${seen.changed} runs redacted something`)
  t.ok(seen.refused >= 400, `${seen.refused} runs had a path to refuse`)
})
