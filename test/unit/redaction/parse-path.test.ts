// Parsing one path: the steps each syntax becomes, and the errors a bad path gives, naming the path and
// the character where it goes wrong.
import t from 'tap'
import { parsePath, RedactionPathError } from '../../../lib/redaction/parse-path'
import { compileError, pathError } from '../../helpers/redaction'

t.test('an invalid path names itself and the character where it goes wrong', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['$.a[', 4, /end of path/],
    ['$a', 1, /unexpected "a"/],
    ['$.a[01]', 5, /unexpected "1"/],
    ['$.café', 5, /unexpected character "é"/],
    ["$['a'", 5, /expected '\]'/],
    ['$.a[b]', 4, /unexpected "b"/],
    ['', 0, /end of path/],
    [' $.a', 0, /unexpected character " "/],
    ['..a', 0, /unexpected "\.\."/],
    ['$.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p[', 34, /end of path/] // past jison's 20-character excerpt
  ]
  for (const [path, position, reason] of cases) {
    const err = compileError(['$.fine', path])
    t.equal(err.path, path, `${JSON.stringify(path)}: names the path`)
    t.equal(err.position, position, `${JSON.stringify(path)}: position`)
    t.ok(err.message.startsWith(`invalid JSONPath ${JSON.stringify(path)} at character ${position}: `), err.message)
    t.match(err.message, reason)
    t.equal(err.name, 'RedactionPathError')
  }
  t.equal(compileError([42 as unknown as string]).path, '42', 'a non-string path is refused too')
})

t.test('expressions and forms jsonpath cannot apply are refused at compile time, pointing at them', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    ['$.a[?(@.password)]', 4, /filter expressions are not supported/],
    ['$..[?(@.x == 1)]', 4, /filter expressions are not supported/],
    ['$.a[(@.length-1)]', 4, /script expressions are not supported/],
    ['a.b[?(@.c)]', 4, /filter expressions/],
    ['$.a..[0,1]', 3, /descendant union/],
    ['$..[1:2]', 1, /descendant slice/],
    ['$.a[::0]', 4, /step cannot be zero/],
    ['$.a[1,::-0]', 6, /step cannot be zero/]
  ]
  for (const [path, position, reason] of cases) {
    const err = compileError([path])
    t.equal(err.position, position, `${path}: position`)
    t.match(err.message, reason, path)
  }
})

t.test('a path without $ is read as $. + path, but errors point into the path as written', async (t) => {
  t.same(parsePath('user.email'), parsePath('$.user.email'))
  t.same(parsePath('*'), [{ step: { kind: 'all' }, descendant: false }], 'a leading * is a wildcard, not a key named "*"')
  t.same(parsePath('$'), [], '$ alone has no steps')
  const syntax = pathError(() => parsePath('a.b['), 'a.b[ parsed')
  t.equal(syntax.position, 4)
  t.equal(syntax.path, 'a.b[', 'the path as written, not $.a.b[')
  const refused = pathError(() => parsePath('a..[?(@.x)]'), 'a filter expression parsed')
  t.equal(refused.position, 4)
  t.match(refused.message, /filter expressions are not supported: request data must never reach an expression evaluator/)
  const notString = pathError(() => parsePath(undefined), 'undefined parsed')
  t.equal(notString.position, 0)
  t.match(notString.message, /a path must be a string/)
  t.ok(notString instanceof RedactionPathError)
})

t.test('each child syntax becomes the step that selects what jsonpath selects', async (t) => {
  t.same(parsePath("$.a['b'][0].0"), [
    { step: { kind: 'name', name: 'a', index: -1 }, descendant: false },
    { step: { kind: 'name', name: 'b', index: -1 }, descendant: false },
    { step: { kind: 'index', index: 0 }, descendant: false }, // `[0]`: an array element only
    { step: { kind: 'name', name: '0', index: 0 }, descendant: false } // `.0`: the key "0" or element 0
  ])
  t.same(parsePath("$[*][1:-1:2][:2][0,'x',1:]").map(({ step }) => step), [
    { kind: 'all' },
    { kind: 'slice', start: 1, end: -1, step: 2 },
    { kind: 'slice', start: null, end: 2, step: null },
    { kind: 'union', parts: [{ kind: 'index', index: 0 }, { kind: 'name', name: 'x', index: -1 }, { kind: 'slice', start: 1, end: null, step: null }] }
  ])
  // A quoted name selects an array element only when it is an index's canonical form, below 2^32 - 1.
  t.same(parsePath("$['01']['4294967294']['4294967295'][-1]").map(({ step }) => step), [
    { kind: 'name', name: '01', index: -1 },
    { kind: 'name', name: '4294967294', index: 4294967294 },
    { kind: 'name', name: '4294967295', index: -1 },
    { kind: 'index', index: -1 } // a negative index never matches
  ])
})

t.test('descendant steps compare loosely, except a subscripted integer', async (t) => {
  const steps = parsePath("$..c..[1]..2..['0']..*")
  t.ok(steps.every((s) => s.descendant), 'every step is a descendant one')
  const [name, subscript, bare, quoted, all] = steps.map(({ step }) => step)
  t.same(name, { kind: 'loose', name: 'c', num: NaN })
  t.same(subscript, { kind: 'index', index: 1 })
  t.same(bare, { kind: 'loose', name: null, num: 2 })
  t.same(quoted, { kind: 'loose', name: '0', num: 0 })
  t.same(all, { kind: 'all' })
})
