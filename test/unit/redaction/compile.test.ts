// Compiling: several paths merge into one trie, a bad path fails the whole compile, and the plan keeps
// the paths it was given.
import t from 'tap'
import { compileRedaction, redactValue } from '../../../lib/redaction'
import { CompiledPlan } from '../../../lib/redaction/compile'
import { compileError, R, redact, USER, viaJsonpath } from '../../helpers/redaction'

function compiled (paths: string[]): CompiledPlan {
  const plan = compileRedaction(paths)
  if (!(plan instanceof CompiledPlan)) throw new Error('compileRedaction made something other than a CompiledPlan')
  return plan
}

t.test('several paths make one plan; overlapping and repeated paths agree with applying each in order', async (t) => {
  const groups = [
    ['$.user.email', '$.user.addresses[*].zip', '$.user.credit_card'],
    ['$.user', '$.user.email'],
    ['$.user.email', '$.user'],
    ['$..zip', '$.user.addresses[1]', '$.user.addresses[1].city'],
    ['$.list[0]', '$.list[0]', 'list[0:1]']
  ]
  for (const paths of groups) {
    t.same(redact(paths, USER), viaJsonpath(paths, USER), paths.join(' '))
    t.same(redact([...paths].reverse(), USER), viaJsonpath(paths, USER), `${paths.join(' ')} reversed`)
  }
  const plan = compileRedaction(['$.a', '$.b'])
  t.same(plan.paths, ['$.a', '$.b'])
  t.equal(plan.empty, false)
  t.equal(compileRedaction([]).empty, true)
})

t.test('a bad path fails the whole compile; only an array of paths is accepted', async (t) => {
  // the good paths around a bad one are not silently kept in a partial plan: the whole compile fails
  t.equal(compileError(['$.a', '$.b[?(@.c)]', '$.d[']).path, '$.b[?(@.c)]', 'the first bad path is reported')
  t.throws(() => compileRedaction('$.a' as unknown as string[]), TypeError)
})

t.test('identical prefixes share trie nodes; identical paths make one edge', async (t) => {
  const { root } = compiled(['$.a.b', '$.a.c', '$.a.b', "$['a'].d"])
  t.equal(root.children.length, 1, '.a and [\'a\'] are one edge')
  const a = root.children[0].target
  t.same(a.children.map((e) => e.step), [
    { kind: 'name', name: 'b', index: -1 },
    { kind: 'name', name: 'c', index: -1 },
    { kind: 'name', name: 'd', index: -1 }
  ])
  t.equal(a.terminal, false, 'no path ends at $.a')
  t.ok(a.children.every((e) => e.target.terminal && e.target.children.length === 0), 'every path ends one level below')
  const mixed = compiled(['$..a', '$.a'])
  t.equal(mixed.root.children.length, 1, 'a child edge')
  t.equal(mixed.root.descendants.length, 1, 'and a descendant edge, kept apart')
  t.not(mixed.root.children[0].target, mixed.root.descendants[0].target)
})

t.test('$ alone marks the plan, not the trie', async (t) => {
  const plan = compiled(['$', '$.a'])
  t.equal(plan.redactsRoot, true)
  t.equal(plan.root.children.length, 1)
  t.equal(plan.root.terminal, false)
  t.equal(compiled(['$.a']).redactsRoot, false)
})

t.test('a node scans every key only under a wildcard, and de-duplicates keys only when two edges can name the same one', async (t) => {
  t.equal(compiled(['$.a', '$[0]']).root.scan, false, 'names and indexes are looked up')
  t.equal(compiled(['$.a', '$.*']).root.scan, true, 'a wildcard needs every key')
  t.equal(compiled(['$..*']).root.scan, false, 'a descendant wildcard is not a child edge')
  t.equal(compiled(['$.a', '$.b', '$[0]']).root.distinct, true)
  t.equal(compiled(['$[0]', '$.0']).root.distinct, false, '[0] and .0 both name element 0')
  t.equal(compiled(['$.a', '$[0:2]']).root.distinct, false, 'a slice may name any index')
  t.equal(compiled(['$[-1]', '$[-2]']).root.distinct, true, 'indexes that can never match name nothing')
})

t.test('the plan keeps its own frozen copy of the paths', async (t) => {
  const paths = ['$.a', '$.b']
  const plan = compileRedaction(paths)
  paths.push('$.c')
  paths[0] = '$.z'
  t.same(plan.paths, ['$.a', '$.b'], 'later changes to the array do not reach the plan')
  t.ok(Object.isFrozen(plan.paths))
  t.ok(Object.isFrozen(plan))
  t.same(redactValue(plan, { a: 1, b: 2, c: 3, z: 4 }), { a: R, b: R, c: 3, z: 4 }, 'nor what it redacts')
})
