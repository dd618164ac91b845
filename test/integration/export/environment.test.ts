// The standard OpenTelemetry environment variables reach the plugin's own pipeline.
import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import apitoolkit from '../../..'
import { spanFor, startHarness } from '../../helpers/harness'
import { startOfficialReceiver } from '../../helpers/official-receiver'
import type { Teardown } from '../../helpers/teardown'

const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version

/** Sets environment variables for one test and puts the previous values back after it. */
function setEnv (t: Teardown, values: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]))
  Object.assign(process.env, values)
  t.teardown(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
}

test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES reach the resource of the plugin\'s own pipeline', async (t) => {
  setEnv(t, {
    OTEL_SERVICE_NAME: 'from-env-service',
    OTEL_RESOURCE_ATTRIBUTES: 'at-project-key=env-key,deployment.environment=staging'
  })
  const h = await startHarness(t, (app) => { app.get('/', async () => 'ok') }, { serviceName: undefined })
  await (await fetch(`${h.url}/`, { headers: { 'x-test-id': 'env' } })).text()
  const s = spanFor(await h.closeApp(), 'env')
  t.same(s.resource, {
    'at-project-key': 'env-key',
    'deployment.environment': 'staging',
    'service.name': 'from-env-service',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'apitoolkit-fastify',
    'telemetry.sdk.version': VERSION
  })
  t.same(s.scope, { name: 'apitoolkit-fastify', version: VERSION }, 'the scope is the package, whatever the service')
})

test('OTEL_EXPORTER_OTLP_ENDPOINT is where the spans go when otlpEndpoint is not given', async (t) => {
  const receiver = await startOfficialReceiver()
  t.teardown(() => receiver.close())
  setEnv(t, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint })
  const app = Fastify()
  await app.register(apitoolkit)
  app.get('/', async () => 'ok')
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  await (await fetch(`${url}/`, { headers: { 'x-test-id': 'endpoint-env' } })).text()
  await app.close()
  t.equal(receiver.spans.length, 1)
  t.equal(receiver.spans[0]?.attributes['http.request.header.x-test-id'], 'endpoint-env')
})
