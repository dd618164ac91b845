import t from 'tap'
import { attributeKey, EncodedAttribute, encodeSpanAttribute, type AttributeList } from '../../../lib/export/otlp-encoder'
import { RepeatingAttribute } from '../../../lib/span/repeating-attribute'

t.test('a value is pushed as key and value, and encoded once while the next spans repeat it', async (t) => {
  const key = attributeKey('http.route')
  const route = new RepeatingAttribute(key)
  const pushed = (value: string | number): AttributeList => {
    const out: Array<AttributeList[number]> = []
    route.push(out, value)
    return out
  }
  t.same(pushed('/users/:id'), [key, '/users/:id'], 'first seen: the pair')
  const second = pushed('/users/:id')
  t.ok(second[0] instanceof EncodedAttribute, 'repeated: encoded')
  t.equal(second[1], null)
  t.same((second[0] as EncodedAttribute).bytes, encodeSpanAttribute(key, '/users/:id').bytes, 'the bytes of the same pair')
  t.equal(pushed('/users/:id')[0], second[0], 'the same encoding while it repeats')
  t.same(pushed('/orders'), [key, '/orders'], 'a new value: the pair again')
  t.same(pushed('/users/:id'), [key, '/users/:id'], 'the value before it is no longer the last one')
  const third = pushed('/users/:id')
  t.not(third[0], second[0], 'encoded afresh once it repeats again')
  t.same((third[0] as EncodedAttribute).bytes, second[0] && (second[0] as EncodedAttribute).bytes)
})

t.test('numbers repeat as numbers: 200 is not "200"', async (t) => {
  const key = attributeKey('http.response.status_code')
  const status = new RepeatingAttribute(key)
  const out: Array<AttributeList[number]> = []
  status.push(out, 200)
  status.push(out, '200')
  status.push(out, '200')
  t.same(out.slice(0, 4), [key, 200, key, '200'], 'a string after a number is new')
  t.same((out[4] as EncodedAttribute).bytes, encodeSpanAttribute(key, '200').bytes, 'encoded as the string it is')
})
