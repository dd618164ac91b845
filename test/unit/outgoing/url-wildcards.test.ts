// outgoingWildcards: which template a URL path is filed under, and which templates are refused.
import { test } from 'tap'
import { compileUrlWildcards, UrlWildcardError } from '../../../lib/outgoing/url-wildcards'

test('a path matches a template of its length whose literals are equal and whose parameters are not empty', async (t) => {
  const w = compileUrlWildcards(['/items/:id', '/items/:id/parts/:part', '/users/me', '/users/:id'])
  t.equal(w.match('/items/42'), '/items/:id')
  t.equal(w.match('/items/42/parts/7'), '/items/:id/parts/:part')
  t.equal(w.match('/users/me'), '/users/me', 'the first that matches, in the order given')
  t.equal(w.match('/users/9'), '/users/:id')
  t.equal(w.match('/items/'), undefined, 'an empty segment is no parameter value')
  t.equal(w.match('/items/42/'), undefined, 'a trailing slash is one more segment')
  t.equal(w.match('/Items/42'), undefined, 'literals are compared exactly')
  t.equal(w.match('/orders/1'), undefined)
  t.equal(w.match('/'), undefined)
  t.equal(compileUrlWildcards([]).match('/items/1'), undefined, 'no templates, no match')
  t.equal(compileUrlWildcards(['/']).match('/'), '/')
})

const REFUSED: Array<[string, string, RegExp]> = [
  ['a template without a leading slash', 'items/:id', /"items\/:id" must start with \//],
  ['an empty template', '', /"" must start with \//],
  ['a query', '/items/:id?x=1', /no query, fragment or white space/],
  ['a fragment', '/items#top', /no query, fragment or white space/],
  ['white space', '/items/ :id', /no query, fragment or white space/],
  ['a parameter without a name', '/items/:', /parameter without a name/],
  ['a parameter named twice', '/a/:id/b/:id', /names the parameter :id twice/]
]

for (const [what, template, message] of REFUSED) {
  test(`refuses ${what}, naming its index`, async (t) => {
    const err = (() => {
      try {
        compileUrlWildcards(['/ok/:x', template])
        return undefined
      } catch (e) {
        return e
      }
    })()
    t.type(err, UrlWildcardError)
    t.equal((err as UrlWildcardError).index, 1)
    t.match((err as Error).message, message)
  })
}
