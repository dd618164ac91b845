// The redaction engine on its own: every supported syntax (checked against hand-written results and
// against jsonpath.apply), the errors a bad path gives, copy-on-write, and hostile inputs.
import t from 'tap'
import jsonpath from 'jsonpath'
import {
  compileRedaction,
  REDACTED,
  RedactionPathError,
  redactJsonText,
  redactValue,
  type RedactionPlan
} from '../lib/redaction'

const R = REDACTED

function redact (paths: string[], value: unknown): unknown {
  return redactValue(compileRedaction(paths), value)
}

/** What jsonpath.apply gives for the paths in order, on a clone; the reference semantics. */
function viaJsonpath (paths: string[], value: unknown): unknown {
  const clone = JSON.parse(JSON.stringify(value)) as object
  for (const path of paths) jsonpath.apply(clone, path.startsWith('$') ? path : `$.${path}`, () => R)
  return clone
}

function compileError (paths: string[]): RedactionPathError {
  try {
    compileRedaction(paths)
  } catch (err) {
    if (err instanceof RedactionPathError) return err
    throw err
  }
  throw new Error(`compileRedaction accepted ${JSON.stringify(paths)}`)
}

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

const USER = {
  user: {
    name: 'John Martha',
    email: 'john.martha@example.com',
    credit_card: '4111111111111111',
    addresses: [
      { street: '1 Main St', city: 'Lagos', zip: '100001' },
      { street: '2 Side Rd', city: 'Abuja', zip: '900001' }
    ]
  },
  list: [10, 11, 12, 13, 14],
  'a-b': 1,
  'a.b': 2,
  'x]y': 3,
  obj: { '0': 'zero', k: 'v' },
  s: 'text'
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

t.test('$ alone redacts the whole value; primitives without it are left alone', async (t) => {
  t.equal(redact(['$'], USER), R)
  t.equal(redactJsonText(compileRedaction(['$']), '{"a":1}'), JSON.stringify(R))
  t.equal(redact(['$.a'], 'plain'), 'plain')
  t.equal(redact(['$.a'], null), null)
  t.equal(redact(['$[0]'], 42), 42)
})

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
  t.throws(() => compileRedaction('$.a' as unknown as string[]), TypeError)
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
  // the good paths around a bad one are not silently kept in a partial plan: the whole compile fails
  t.equal(compileError(['$.a', '$.b[?(@.c)]', '$.d[']).path, '$.b[?(@.c)]', 'the first bad path is reported')
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

t.test('redactJsonText parses, redacts and serializes, and says when the text is not JSON', async (t) => {
  const plan = compileRedaction(['$.password'])
  t.equal(redactJsonText(plan, '{"password":"hunter2","user":"ann"}'), '{"password":"[CLIENT_REDACTED]","user":"ann"}')
  const untouched = '{ "user": "ann" }'
  t.equal(redactJsonText(plan, untouched), untouched, 'nothing matched: the text as it was, spacing included')
  t.equal(redactJsonText(plan, 'password=hunter2'), undefined)
  t.equal(redactJsonText(plan, ''), undefined)
  t.equal(redactJsonText(plan, '"just a string"'), '"just a string"')
  t.throws(() => redactJsonText({ empty: false, paths: ['$.a'] } as RedactionPlan, '{}'), TypeError)
  t.throws(() => redactValue({ empty: false, paths: ['$.a'] } as RedactionPlan, {}), TypeError, 'only compiled plans')
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
