// Form bodies as the span records them: every field an array of strings, like the query.
import { test } from 'tap'
import { formFromObject, formFromText } from '../../../lib/body/form'

const plain = (value: object): unknown => JSON.parse(JSON.stringify(value))

test('urlencoded text: repeated fields gather their values in order, percent-decoded', async (t) => {
  t.same(plain(formFromText('a=1&b=x&a=2&c=&d')), { a: ['1', '2'], b: ['x'], c: [''], d: [''] })
  t.same(plain(formFromText('name=J%C3%A9r%C3%B4me+D&x%20y=%2B')), { name: ['Jérôme D'], 'x y': ['+'] })
})

test('a field named __proto__ is an ordinary field', async (t) => {
  const fields = formFromText('__proto__=1&constructor=2')
  t.equal(Object.getPrototypeOf(fields), null)
  t.equal(JSON.stringify(fields), '{"__proto__":["1"],"constructor":["2"]}')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('the object a form parser gave: strings and lists of strings, other values as their JSON', async (t) => {
  const parsed = Object.assign(Object.create(null) as object, { a: ['1', '2'], b: 'x', n: 5, nested: { c: '1' }, list: ['1', { d: 2 }], gone: undefined })
  t.same(plain(formFromObject(parsed)), { a: ['1', '2'], b: ['x'], n: ['5'], nested: ['{"c":"1"}'], list: ['1', '{"d":2}'] })
  t.same(plain(formFromObject({ big: 1n })), { big: ['1'] }, 'what JSON cannot write is written as String does')
})
