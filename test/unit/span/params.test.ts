import { test } from 'tap'
import { ALWAYS_REDACTED_QUERY_PARAMS, pathParamsJson, queryParamsJson, redactTarget, searchParamsJson, wildcardParams } from '../../../lib/span/params'

const NONE = new Set<string>()
const DEFAULTS = new Set(ALWAYS_REDACTED_QUERY_PARAMS)

test('query params: every value an array of strings', async (t) => {
  t.equal(queryParamsJson({ q: ['1', '2'], r: 'x', n: 3, u: undefined }, NONE, false), '{"q":["1","2"],"r":["x"],"n":["3"]}')
  t.equal(queryParamsJson({}, NONE, false), '{}')
  t.equal(queryParamsJson(null, NONE, false), '{}')
  t.equal(searchParamsJson('?q=1&q=2&r=x', NONE, false), '{"q":["1","2"],"r":["x"]}')
  t.equal(searchParamsJson('', NONE, false), '{}')
})

test('path params: the route params, or an empty object spelled one way', async (t) => {
  t.equal(pathParamsJson({ id: '5' }), '{"id":"5"}')
  t.equal(pathParamsJson({}), '{}')
  t.equal(pathParamsJson(undefined), '{}')
})

test('a url wildcard names the segments of the path', async (t) => {
  t.equal(wildcardParams('/items/:id/parts/:part', '/items/42/parts/a%20b'), '{"id":"42","part":"a b"}')
  t.equal(wildcardParams('/items/:id', '/items/42/extra'), '{}', 'segments that do not line up name nothing')
  t.equal(wildcardParams('/items', '/items'), '{}')
  t.equal(wildcardParams('/items/:id', '/items/%E0%A4%A'), '{"id":"%E0%A4%A"}', 'a bad escape is kept as sent')
})

test('query values are redacted by name, case-insensitively, in the target and in query_params', async (t) => {
  t.equal(redactTarget('/a?token=abc&q=1', DEFAULTS, false), '/a?token=[CLIENT_REDACTED]&q=1')
  t.equal(redactTarget('/a?Token=abc&API_KEY=k&q=1&empty', DEFAULTS, false), '/a?Token=[CLIENT_REDACTED]&API_KEY=[CLIENT_REDACTED]&q=1&empty')
  t.equal(redactTarget('/a?x%2Damz%2Dsignature=s&sig', DEFAULTS, false), '/a?x%2Damz%2Dsignature=[CLIENT_REDACTED]&sig=[CLIENT_REDACTED]', 'encoded names and names without a value')
  t.equal(redactTarget('/a?q=token', DEFAULTS, false), '/a?q=token', 'a value is not a name')
  t.equal(redactTarget('/a;token=abc;q=1', DEFAULTS, false), '/a;token=[CLIENT_REDACTED];q=1', 'a query after ; (useSemicolonDelimiter)')
  t.equal(redactTarget('/a;v=1?token=abc&q=1', DEFAULTS, false), '/a;v=1?token=[CLIENT_REDACTED]&q=1', 'a ; before the ?')
  t.equal(redactTarget('/a?q=1;token=abc', DEFAULTS, false), '/a?q=1;token=[CLIENT_REDACTED]', 'a ; inside the query')
  t.equal(redactTarget('/a;b', DEFAULTS, false), '/a;b', 'nothing to redact: the target as it came')
  t.equal(redactTarget('/no-query', DEFAULTS, false), '/no-query')
  const target = '/same?q=1'
  t.equal(redactTarget(target, DEFAULTS, false), target, 'nothing to redact: the very same string')
  t.equal(queryParamsJson({ token: 'abc', q: '1', Password: ['a', 'b'] }, DEFAULTS, false), '{"token":["[CLIENT_REDACTED]"],"q":["1"],"Password":["[CLIENT_REDACTED]"]}')
  t.equal(searchParamsJson('?code=123&code=456&state=x', DEFAULTS, false), '{"code":["[CLIENT_REDACTED]"],"state":["x"]}')
  t.equal(redactTarget('/a?tenant=t1', new Set(['tenant']), false), '/a?tenant=[CLIENT_REDACTED]', 'a configured name')
})

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'

test('with secrets on, a query value that looks like a secret is withheld whatever its name; others stay', async (t) => {
  const none = new Set<string>()
  t.equal(redactTarget(`/a?q=1&note=${JWT}&card=4111+1111+1111+1111&id=12`, none, true), '/a?q=1&note=[CLIENT_REDACTED]&card=[CLIENT_REDACTED]&id=12', 'decoded before it is scanned: + is a space')
  t.equal(redactTarget('/a?auth=Bearer%20abcdefgh12345678', none, true), '/a?auth=[CLIENT_REDACTED]', 'percent-encoded')
  t.equal(redactTarget('/a?card=4111111111111112', none, true), '/a?card=4111111111111112', 'a number failing Luhn is not a card')
  t.equal(redactTarget(`/a?note=${JWT}`, none, false), `/a?note=${JWT}`, 'secrets off: as sent')
  t.equal(queryParamsJson({ note: JWT, ids: ['AKIAIOSFODNN7EXAMPLE', 'plain'], n: 3 }, none, true), '{"note":["[CLIENT_REDACTED]"],"ids":["[CLIENT_REDACTED]","plain"],"n":["3"]}')
  t.equal(searchParamsJson(`?note=${JWT}&q=shoes`, none, true), '{"note":["[CLIENT_REDACTED]"],"q":["shoes"]}')
})
