import { test } from 'tap'
import { ALWAYS_REDACTED_QUERY_PARAMS, pathParamsJson, queryParamsJson, redactTarget, searchParamsJson, wildcardParams } from '../../../lib/span/params'

const NONE = new Set<string>()
const DEFAULTS = new Set(ALWAYS_REDACTED_QUERY_PARAMS)

test('query params: every value an array of strings', async (t) => {
  t.equal(queryParamsJson({ q: ['1', '2'], r: 'x', n: 3, u: undefined }, NONE), '{"q":["1","2"],"r":["x"],"n":["3"]}')
  t.equal(queryParamsJson({}, NONE), '{}')
  t.equal(queryParamsJson(null, NONE), '{}')
  t.equal(searchParamsJson('?q=1&q=2&r=x', NONE), '{"q":["1","2"],"r":["x"]}')
  t.equal(searchParamsJson('', NONE), '{}')
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
  t.equal(redactTarget('/a?token=abc&q=1', DEFAULTS), '/a?token=[CLIENT_REDACTED]&q=1')
  t.equal(redactTarget('/a?Token=abc&API_KEY=k&q=1&empty', DEFAULTS), '/a?Token=[CLIENT_REDACTED]&API_KEY=[CLIENT_REDACTED]&q=1&empty')
  t.equal(redactTarget('/a?x%2Damz%2Dsignature=s&sig', DEFAULTS), '/a?x%2Damz%2Dsignature=[CLIENT_REDACTED]&sig=[CLIENT_REDACTED]', 'encoded names and names without a value')
  t.equal(redactTarget('/a?q=token', DEFAULTS), '/a?q=token', 'a value is not a name')
  t.equal(redactTarget('/a;token=abc;q=1', DEFAULTS), '/a;token=[CLIENT_REDACTED];q=1', 'a query after ; (useSemicolonDelimiter)')
  t.equal(redactTarget('/a;v=1?token=abc&q=1', DEFAULTS), '/a;v=1?token=[CLIENT_REDACTED]&q=1', 'a ; before the ?')
  t.equal(redactTarget('/a?q=1;token=abc', DEFAULTS), '/a?q=1;token=[CLIENT_REDACTED]', 'a ; inside the query')
  t.equal(redactTarget('/a;b', DEFAULTS), '/a;b', 'nothing to redact: the target as it came')
  t.equal(redactTarget('/no-query', DEFAULTS), '/no-query')
  const target = '/same?q=1'
  t.equal(redactTarget(target, DEFAULTS), target, 'nothing to redact: the very same string')
  t.equal(queryParamsJson({ token: 'abc', q: '1', Password: ['a', 'b'] }, DEFAULTS), '{"token":["[CLIENT_REDACTED]"],"q":["1"],"Password":["[CLIENT_REDACTED]"]}')
  t.equal(searchParamsJson('?code=123&code=456&state=x', DEFAULTS), '{"code":["[CLIENT_REDACTED]"],"state":["x"]}')
  t.equal(redactTarget('/a?tenant=t1', new Set(['tenant'])), '/a?tenant=[CLIENT_REDACTED]', 'a configured name')
})
