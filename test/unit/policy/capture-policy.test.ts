import { test } from 'tap'
import { routePolicy } from '../../../lib/policy/capture-policy'
import { resolveOptions } from '../../../lib/options/resolve-options'
import { redactValue } from '../../../lib/redaction'

const base = resolveOptions({ captureRequestBody: true, redactRequestBody: ['$.password'], redactHeaders: ['x-plugin'], sampleRate: 0.25 }, {}).policy

test('no config, or true, leaves the plugin\'s policy; false means no span', async (t) => {
  t.equal(routePolicy(undefined, base, 'GET /'), undefined)
  t.equal(routePolicy(true, base, 'GET /'), undefined)
  t.equal(routePolicy(false, base, 'GET /'), false)
})

test('lists add to the plugin\'s, the rest overrides it', async (t) => {
  const policy = routePolicy({ captureRequestBody: 'errors', captureResponseBody: true, redactRequestBody: ['$.card'], redactHeaders: ['X-Route'], redactQueryParams: ['Invite'], sampleRate: 1 }, base, 'POST /pay')
  if (policy === false || policy === undefined) throw new Error('expected a policy')
  t.equal(policy.captureRequestBody, 'errors')
  t.equal(policy.captureResponseBody, true)
  t.equal(policy.sampleRate, 1)
  t.same(policy.redactRequestBody, ['$.password', '$.card'])
  t.same(redactValue(policy.requestPlan, { password: 'p', card: 'c', keep: 1 }), { password: '[CLIENT_REDACTED]', card: '[CLIENT_REDACTED]', keep: 1 })
  t.ok(policy.settings.redactHeaders.has('x-route') && policy.settings.redactHeaders.has('x-plugin') && policy.settings.redactHeaders.has('authorization'))
  t.ok(policy.settings.redactQueryParams.has('invite') && policy.settings.redactQueryParams.has('token'))
  t.equal(base.settings.redactHeaders.has('x-route'), false, 'the plugin\'s own lists are not changed')
})

test('a route with only a capture mode shares the plugin\'s compiled plans and settings', async (t) => {
  const policy = routePolicy({ captureResponseBody: 'errors' }, base, 'GET /')
  if (policy === false || policy === undefined) throw new Error('expected a policy')
  t.equal(policy.requestPlan, base.requestPlan)
  t.equal(policy.settings, base.settings)
  t.equal(policy.sampleRate, 0.25)
})

test('an invalid path is named by its index in the route\'s own list', async (t) => {
  t.throws(() => routePolicy({ redactRequestBody: ['$.ok', '$.bad[?(@.x)]'] }, base, 'PUT /x/:id'), { name: 'ApitoolkitOptionsError', message: /^apitoolkit-fastify: route PUT \/x\/:id: option config\.apitoolkit\.redactRequestBody\[1\]/ })
  t.throws(() => routePolicy([], base, 'GET /a'), { message: /route GET \/a: config\.apitoolkit must be false or an object, got an array/ })
  t.throws(() => routePolicy(null, base, 'GET /a'), { message: /got null/ })
  t.throws(() => routePolicy(5n, base, 'GET /a'), { name: 'ApitoolkitOptionsError', message: /config\.apitoolkit must be false or an object, got 5n$/ })
  t.throws(() => routePolicy({ sampleRate: NaN }, base, 'GET /a'), { message: /sampleRate must be a number from 0 to 1, got NaN/ })
})
