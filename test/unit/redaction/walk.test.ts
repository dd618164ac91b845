// Walking a plan over a value: what each supported syntax redacts (checked against hand-written results
// and against jsonpath.apply), copy-on-write, the JSON text form, and hostile inputs.
import t from 'tap'
import {
  compileRedaction,
  redactJsonText,
  redactValue,
  type RedactionPlan
} from '../../../lib/redaction'
import { R, redact, USER, viaJsonpath } from '../../helpers/redaction'

/** Deep-freezes a JSON value (iteratively), so any write by the engine would throw. */
function deepFreeze<T> (value: T): T {
  const todo: unknown[] = [value]
  while (todo.length > 0) {
    const v = todo.pop()
    if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
      Object.freeze(v)
      todo.push(...Object.values(v))
    }
  }
  return value
}

t.test('each supported syntax redacts what jsonpath.apply redacts', async (t) => {
  const addr = (zip: unknown): Array<Record<string, unknown>> => [
    { street: '1 Main St', city: 'Lagos', zip: zip ?? '100001' },
    { street: '2 Side Rd', city: 'Abuja', zip: zip ?? '900001' }
  ]
  const cases: Array<[string, (doc: typeof USER) => unknown]> = [
    ['$.user.email', (d) => ({ ...d, user: { ...d.user, email: R } })],
    ['user.email', (d) => ({ ...d, user: { ...d.user, email: R } })],
    ['$.user.credit_card', (d) => ({ ...d, user: { ...d.user, credit_card: R } })],
    ['$.user.addresses[*].zip', (d) => ({ ...d, user: { ...d.user, addresses: addr(R) } })],
    ['$.user.addresses[0]', (d) => ({ ...d, user: { ...d.user, addresses: [R, addr(undefined)[1]] } })],
    ['$.list[-1:]', (d) => ({ ...d, list: [10, 11, 12, 13, R] })],
    ['$.list[0:2]', (d) => ({ ...d, list: [R, R, 12, 13, 14] })],
    ['$.list[::2]', (d) => ({ ...d, list: [R, 11, R, 13, R] })],
    ['$.list[1:-1:2]', (d) => ({ ...d, list: [10, R, 12, R, 14] })],
    ['$.list[::-2]', (d) => ({ ...d, list: [R, 11, R, 13, R] })],
    ['$.list[-2::-1]', (d) => ({ ...d, list: [R, R, R, R, 14] })],
    ['$.list[-1]', (d) => d], // jsonpath: a negative index matches no element
    ['$.list[0,2]', (d) => ({ ...d, list: [R, 11, R, 13, 14] })],
    ['$.list[4,0:1]', (d) => ({ ...d, list: [R, 11, 12, 13, R] })],
    ['$..zip', (d) => ({ ...d, user: { ...d.user, addresses: addr(R) } })],
    ['$..[1]', (d) => ({ ...d, user: { ...d.user, addresses: [addr(undefined)[0], R] }, list: [10, R, 12, 13, 14] })],
    ['$.*', (d) => Object.fromEntries(Object.keys(d).map((k) => [k, R]))],
    ['$.user[*]', (d) => ({ ...d, user: { name: R, email: R, credit_card: R, addresses: R } })],
    ["$['a-b']", (d) => ({ ...d, 'a-b': R })],
    ["$['a.b']", (d) => ({ ...d, 'a.b': R })],
    ['$["x]y"]', (d) => ({ ...d, 'x]y': R })],
    ["$['a-b','a.b']", (d) => ({ ...d, 'a-b': R, 'a.b': R })],
    ["$['user']['email']", (d) => ({ ...d, user: { ...d.user, email: R } })],
    ['$.obj.0', (d) => ({ ...d, obj: { '0': R, k: 'v' } })], // `.0` names the key "0"
    ['$.obj[0]', (d) => d], // `[0]` names an array element only
    ["$.list['1']", (d) => ({ ...d, list: [10, R, 12, 13, 14] })], // a quoted index names the element
    ['$.s[0]', (d) => d], // strings have no elements to redact
    ['$.s[0:2]', (d) => d],
    ['$.s.*', (d) => d],
    ['$.nothing.here', (d) => d]
  ]
  for (const [path, expected] of cases) {
    const got = redact([path], USER)
    t.same(got, expected(USER), `${path}: expected result`)
    t.same(got, viaJsonpath([path], USER), `${path}: same as jsonpath.apply`)
  }
})

t.test('descendant matches follow jsonpath, including its loose key comparison', async (t) => {
  const doc = { a: [{ b: 1 }, { c: { b: { b: 2 } } }], '0': 'key0', d: ['first', 'second'] }
  // a `b` inside a `b` goes with it: the outer one is replaced whole
  t.same(redact(['$..b'], doc), { a: [{ b: R }, { c: { b: R } }], '0': 'key0', d: ['first', 'second'] })
  // `..0` compares loosely: the key "0" and every element 0
  t.same(redact(['$..0'], doc), viaJsonpath(['$..0'], doc))
  t.same(redact(['$..0'], doc), { a: [R, { c: { b: { b: 2 } } }], '0': R, d: [R, 'second'] })
  // `..[0]` compares strictly: elements only
  t.same(redact(['$..[0]'], doc), { a: [R, { c: { b: { b: 2 } } }], '0': 'key0', d: [R, 'second'] })
  // jsonpath's `key == ''` is true for index 0
  t.same(redact(["$..['']"], doc), viaJsonpath(["$..['']"], doc))
  t.same(redact(['$..*'], doc), { a: R, '0': R, d: R })
  t.same(redact(['$..[*]'], doc), viaJsonpath(['$..[*]'], doc))
})

t.test('$ alone redacts the whole value; primitives without it are left alone', async (t) => {
  t.equal(redact(['$'], USER), R)
  t.equal(redactJsonText(compileRedaction(['$']), '{"a":1}'), JSON.stringify(R))
  t.equal(redact(['$.a'], 'plain'), 'plain')
  t.equal(redact(['$.a'], null), null)
  t.equal(redact(['$[0]'], 42), 42)
})

t.test('the input is never mutated; nothing matched gives the input back; only matched branches are copied', async (t) => {
  const doc = deepFreeze(JSON.parse(JSON.stringify(USER)) as typeof USER)
  const before = JSON.stringify(doc)
  const out = redact(['$.user.email', '$.list[0]'], doc) as typeof USER
  t.equal(JSON.stringify(doc), before, 'input unchanged')
  t.not(out, doc)
  t.not(out.user, doc.user, 'containers on the way to a match are copies')
  t.equal(out.user.addresses, doc.user.addresses, 'untouched branches are shared, not copied')
  t.equal(out.obj, doc.obj)
  t.equal(out.user.email, R)
  t.equal(redact(['$.user.nope', '$.list[9]', '$..missing'], doc), doc, 'nothing matched: same reference')
  t.equal(redactValue(compileRedaction([]), doc), doc, 'empty plan: same reference')
})

t.test('a plan that visits but matches nothing gives back the same object, untouched', async (t) => {
  const doc = deepFreeze(JSON.parse(JSON.stringify(USER)) as typeof USER)
  const paths = ['$.*.nope', '$.s.x', '$.list[10:20]', '$.list[5]', '$.user.addresses[*].country', '$.obj[0]', '$..missing', '$..[7]']
  for (const path of paths) t.equal(redact([path], doc), doc, `${path}: same reference`)
  t.equal(redact(paths, doc), doc, 'all of them in one plan: same reference')
  t.equal(JSON.stringify(doc), JSON.stringify(USER), 'nothing written')
  const list = deepFreeze([{ a: 1 }, [2]])
  t.equal(redact(['$[*].b', '$..c'], list), list, 'an array at the top too')
})

t.test('a negative-step slice starting past the end skips the missing index', async (t) => {
  const out = redact(['$.list[10::-1]'], { list: [1, 2, 3] }) as { list: unknown[] }
  t.same(out.list, [R, R, R])
  t.same(Object.keys(out.list), ['0', '1', '2'], 'no element added at the end')
  t.same(redact(['$.list[4:0:-2]'], { list: [0, 1, 2, 3] }), { list: [0, 1, R, 3] })
})

t.test('several slices in one walk, on arrays of the same and of different lengths', async (t) => {
  const doc = { a: [0, 1, 2, 3], b: [0, 1, 2, 3], c: [0, 1] }
  const paths = ['$.a[::2]', '$.b[1::2]', '$.*[-1:]']
  const expected = { a: [R, 1, R, R], b: [0, R, 2, R], c: [0, R] }
  t.same(redact(paths, doc), expected)
  t.same(redact(paths, doc), viaJsonpath(paths, doc), 'same as jsonpath.apply')
  t.same(redact(['$[0:2]', '$[1:4]'], [0, 1, 2, 3, 4]), [R, R, R, R, 4], 'two slices over one array')
  t.same(redact(['$.*[-1:]'], { a: [0, 1, 2, 3], c: [0, 1] }), { a: [0, 1, 2, R], c: [0, R] }, 'one slice over arrays of different lengths')
})

t.test('one plan serves many values: each call gives its own copy', async (t) => {
  const plan = compileRedaction(['$.secret', '$.list[*].token'])
  const first = redactValue(plan, { secret: 's1', list: [{ token: 't1' }], keep: 1 })
  const second = redactValue(plan, { secret: 's2', list: [{ token: 't2' }, { token: 't3' }] })
  t.same(first, { secret: R, list: [{ token: R }], keep: 1 })
  t.same(second, { secret: R, list: [{ token: R }, { token: R }] })
  const untouched = { other: 1 }
  t.equal(redactValue(plan, untouched), untouched, 'a later value that matches nothing: same reference')
  t.same(first, { secret: R, list: [{ token: R }], keep: 1 }, 'the first copy is not changed by later calls')
})

t.test('redactJsonText parses, redacts and serializes, and says when the text is not JSON', async (t) => {
  const plan = compileRedaction(['$.password'])
  t.equal(redactJsonText(plan, '{"password":"hunter2","user":"ann"}'), '{"password":"[CLIENT_REDACTED]","user":"ann"}')
  const untouched = '{ "user": "ann" }'
  t.equal(redactJsonText(plan, untouched), untouched, 'nothing matched: the text as it was, spacing included')
  t.equal(redactJsonText(plan, 'password=hunter2'), undefined)
  t.equal(redactJsonText(plan, ''), undefined)
  t.equal(redactJsonText(plan, '"just a string"'), '"just a string"')
  t.throws(() => redactJsonText({ empty: false, paths: ['$.a'], secrets: false } as RedactionPlan, '{}'), TypeError)
  t.throws(() => redactValue({ empty: false, paths: ['$.a'], secrets: false } as RedactionPlan, {}), TypeError, 'only compiled plans')
})

t.test('__proto__, constructor and prototype: no pollution, the key survives and is redacted when named', async (t) => {
  const text = '{"__proto__":{"isAdmin":true,"token":"s1"},"constructor":{"prototype":{"token":"s2"}},"ok":1}'
  const doc = JSON.parse(text) as Record<string, unknown>
  const plan = compileRedaction(['$.__proto__.token', "$['constructor'].prototype"])
  const out = redactValue(plan, doc) as Record<string, unknown>
  t.equal(({} as Record<string, unknown>).isAdmin, undefined, 'Object.prototype not polluted')
  t.equal(Object.getPrototypeOf(out), Object.prototype, 'the copy keeps a plain prototype')
  t.same(Object.keys(out), ['__proto__', 'constructor', 'ok'], 'the key stays an own property')
  t.equal(JSON.stringify(out), '{"__proto__":{"isAdmin":true,"token":"[CLIENT_REDACTED]"},"constructor":{"prototype":"[CLIENT_REDACTED]"},"ok":1}')
  t.equal(JSON.stringify(doc), text, 'input unchanged')

  t.equal(redactJsonText(compileRedaction(['$.__proto__']), text), '{"__proto__":"[CLIENT_REDACTED]","constructor":{"prototype":{"token":"s2"}},"ok":1}')
  t.equal(redactJsonText(compileRedaction(['$..token']), text), '{"__proto__":{"isAdmin":true,"token":"[CLIENT_REDACTED]"},"constructor":{"prototype":{"token":"[CLIENT_REDACTED]"}},"ok":1}')
  t.equal(redactJsonText(compileRedaction(['$.*']), text), '{"__proto__":"[CLIENT_REDACTED]","constructor":"[CLIENT_REDACTED]","ok":"[CLIENT_REDACTED]"}')
  t.equal(({} as Record<string, unknown>).token, undefined)
  t.equal(typeof ({}).constructor, 'function', 'Object.prototype.constructor intact')
})

t.test('inherited members are not keys: nothing is added, arrays keep their length', async (t) => {
  // jsonpath's `key in value` would add "toString" to the body and throw on an array's length.
  const doc = { a: { x: 1 }, list: [1, 2] }
  t.equal(redact(['$.a.toString', '$.a.hasOwnProperty', '$.list.length', '$..valueOf'], doc), doc)
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { secret: 's', keep: 'k' })
  t.same(redact(['$.secret'], bare), { secret: R, keep: 'k' }, 'objects without a prototype are walked too')
})

t.test('100,000 levels of nesting: no stack overflow, the deep match is redacted', async (t) => {
  const depth = 100_000
  let text = '{"secret":"s"}'
  for (let i = 0; i < depth; i++) text = `{"n":${text}}`
  const doc = JSON.parse(text) as Record<string, unknown>
  const deepest = (v: unknown): unknown => {
    let node = v as Record<string, unknown>
    while (typeof node.n === 'object') node = node.n as Record<string, unknown>
    return node.secret
  }
  const out = redactValue(compileRedaction(['$..secret']), doc)
  t.equal(deepest(out), R)
  t.equal(deepest(doc), 's', 'input unchanged')
  // JSON.stringify itself overflows at this depth, so the text form falls back to the marker alone
  t.equal(redactJsonText(compileRedaction(['$..secret']), text), R)
  t.equal(redactJsonText(compileRedaction(['$.nope']), text), text, 'nothing matched: the text itself, no serializing')
  let arrays = '1'
  for (let i = 0; i < depth; i++) arrays = `[${arrays}]`
  t.equal(redactJsonText(compileRedaction(['$..*']), arrays), '["[CLIENT_REDACTED]"]', 'outermost match wins, nothing deep to print')
})

t.test('a 1,000,000-element array', async (t) => {
  const list = Array.from({ length: 1_000_000 }, (_, i) => i)
  const doc = { list }
  const last = redact(['$.list[-1:]'], doc) as { list: unknown[] }
  t.equal(last.list.length, 1_000_000)
  t.equal(last.list[999_999], R)
  t.equal(last.list[999_998], 999_998)
  const all = redact(['$.list[*]'], doc) as { list: unknown[] }
  t.ok(all.list.every((v) => v === R))
  t.equal(list[0], 0, 'input unchanged')
  const text = JSON.stringify(doc)
  t.equal(redactJsonText(compileRedaction(['$.list[3]']), text)?.slice(0, 40), '{"list":[0,1,2,"[CLIENT_REDACTED]",4,5,6')
})

t.test('unicode and quoted keys with dots, brackets and quotes', async (t) => {
  const doc = {
    'café': 1,
    '日本': 2,
    '🔑': 3,
    'a.b': { c: 4 },
    'x]y': 5,
    "it's": 6,
    'say "hi"': 7,
    '': 8,
    '$': 9,
    '*': 10,
    'with space': 11,
    keep: 12
  }
  const paths = ["$['café']", '$["日本"]', "$['🔑']", "$['a.b'].c", '$["x]y"]', '$["it\'s"]', "$['say \"hi\"']", "$['']", "$['$']", "$['*']", "$['with space']"]
  const out = redact(paths, doc) as Record<string, unknown>
  t.same(out, viaJsonpath(paths, doc), 'same as jsonpath.apply')
  t.equal(out.keep, 12)
  t.same(Object.entries(out).filter(([, v]) => v !== R).map(([k]) => k), ['a.b', 'keep'])
  t.same(out['a.b'], { c: R })
})
