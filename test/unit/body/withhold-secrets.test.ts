import { test } from 'tap'
import { UNSUITABLE, withholdSecrets } from '../../../lib/body/withhold-secrets'

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'

test('strings and card-number integers that look like secrets become the marker, on a copy of what changed only', async (t) => {
  const inner = { keep: ['x'] }
  const value = { a: [1, 'x', { jwt: JWT, n: 4111111111111111, small: 12, f: 1.5 }], b: 'card 4111-1111-1111-1111 here', c: null, d: true, inner }
  const before = JSON.stringify(value)
  const out = withholdSecrets(value) as typeof value
  t.same(out, { a: [1, 'x', { jwt: '[CLIENT_REDACTED]', n: '[CLIENT_REDACTED]', small: 12, f: 1.5 }], b: '[CLIENT_REDACTED]', c: null, d: true, inner })
  t.equal(JSON.stringify(value), before, 'the value given is not changed')
  t.equal(out.inner, inner, 'what holds no secret is shared, not copied')
  const plain = { plain: ['text', 1] }
  t.equal(withholdSecrets(plain), plain, 'nothing secret: the very same value')
  t.equal(withholdSecrets(JWT), '[CLIENT_REDACTED]', 'a value that is one string')
})

test('values that write themselves, or nest deeper than the walk goes, are left to the bounded writer', async (t) => {
  t.equal(withholdSecrets({ at: new Date(0) }), UNSUITABLE)
  t.equal(withholdSecrets([Buffer.from('x')]), UNSUITABLE)
  let deep: unknown = JWT
  for (let i = 0; i < 300; i++) deep = [deep]
  t.equal(withholdSecrets(deep), UNSUITABLE)
  let shallow: unknown = JWT
  for (let i = 0; i < 100; i++) shallow = [shallow]
  t.equal(JSON.stringify(withholdSecrets(shallow)), '['.repeat(100) + '"[CLIENT_REDACTED]"' + ']'.repeat(100))
  t.same(withholdSecrets(Object.assign(Object.create(null) as object, { s: JWT })), { s: '[CLIENT_REDACTED]' }, 'an object without a prototype is plain data')
})
