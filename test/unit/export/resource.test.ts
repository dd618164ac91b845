import { test } from 'tap'
import { hasProjectKey, parseResourceAttributes, resourceAttributes } from '../../../lib/export/resource'
import { PACKAGE } from '../../../lib/package-info'

function asRecord (list: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < list.length; i += 2) out[String(list[i])] = list[i + 1]
  return out
}

test('OTEL_RESOURCE_ATTRIBUTES: pairs, percent-decoded, malformed items skipped', async (t) => {
  t.same(parseResourceAttributes('a=1, b = two%20words ,bad,=x,c=%zz'), [['a', '1'], ['b', 'two words'], ['c', '%zz']])
  t.same(parseResourceAttributes(undefined), [])
  t.same(parseResourceAttributes('  '), [])
})

test('the resource: options over the environment, the SDK named after this package', async (t) => {
  const resource = asRecord(resourceAttributes(
    { serviceName: 'orders', serviceVersion: '2.3.0', apiKey: 'key-1' },
    { OTEL_RESOURCE_ATTRIBUTES: 'service.name=env-name,deployment.environment=prod,at-project-key=env-key' }
  ))
  t.same(resource, {
    'service.name': 'orders',
    'deployment.environment': 'prod',
    'at-project-key': 'key-1',
    'service.version': '2.3.0',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'apitoolkit-fastify',
    'telemetry.sdk.version': PACKAGE.version
  })
})

test('without options, the environment gives the project key and the service name', async (t) => {
  const resource = asRecord(resourceAttributes(
    { serviceName: '', serviceVersion: '', apiKey: undefined },
    { OTEL_RESOURCE_ATTRIBUTES: 'service.name=env-name,at-project-key=env-key' }
  ))
  t.equal(resource['service.name'], 'env-name')
  t.equal(resource['at-project-key'], 'env-key')
  t.notOk('service.version' in resource)
  const bare = asRecord(resourceAttributes({ serviceName: '', serviceVersion: '', apiKey: undefined }, {}))
  t.equal(bare['service.name'], 'unknown_service:node', 'a service always has a name')
  t.notOk('at-project-key' in bare)
})

test('the version is the package.json one', async (t) => {
  const pkg = require('../../../package.json') as { version: string }
  t.equal(PACKAGE.version, pkg.version)
})

test('a project key is a non-empty apiKey or at-project-key, never a value that happens to read so', async (t) => {
  const none = { serviceName: '', serviceVersion: '', apiKey: undefined }
  t.equal(hasProjectKey({ ...none, apiKey: 'k' }, {}), true)
  t.equal(hasProjectKey(none, { OTEL_RESOURCE_ATTRIBUTES: 'at-project-key=k' }), true)
  t.equal(hasProjectKey({ ...none, apiKey: '' }, {}), false, 'an empty apiKey is no key')
  t.equal(hasProjectKey(none, { OTEL_RESOURCE_ATTRIBUTES: 'at-project-key=' }), false)
  t.equal(hasProjectKey(none, { OTEL_RESOURCE_ATTRIBUTES: 'team=at-project-key' }), false)
  t.notOk('at-project-key' in asRecord(resourceAttributes({ ...none, apiKey: '' }, {})), 'and is not sent')
})
