import { test } from 'tap'
import { pathParamsJson, queryParamsJson, searchParamsJson, wildcardParams } from '../../../lib/span/params'

test('query params: every value an array of strings', async (t) => {
  t.equal(queryParamsJson({ q: ['1', '2'], r: 'x', n: 3, u: undefined }), '{"q":["1","2"],"r":["x"],"n":["3"]}')
  t.equal(queryParamsJson({}), '{}')
  t.equal(queryParamsJson(null), '{}')
  t.equal(searchParamsJson('?q=1&q=2&r=x'), '{"q":["1","2"],"r":["x"]}')
  t.equal(searchParamsJson(''), '{}')
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
