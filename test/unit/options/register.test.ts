// Options are checked once, at register time: a mistake makes register fail with an error naming the
// option, never a silent leak. Apps here are registered and closed, never listening.
import { test } from 'tap'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit, { type ApitoolkitOptions } from '../../..'

/** Registers the plugin with `options` and waits for the app to be ready. */
async function register (app: FastifyInstance, options: unknown): Promise<void> {
  await app.register(apitoolkit, options as ApitoolkitOptions).ready()
}

const cases: Array<[string, unknown, RegExp]> = [
  ['a wrong type', { captureRequestBody: 'yes' }, /captureRequestBody must be true, false or 'errors', got "yes"/],
  ['a typo in a redaction option', { redactRequestbody: ['$.password'] }, /unknown option "redactRequestbody" \(did you mean redactRequestBody\?\)/],
  ['an unknown option', { sampleRatio: 0.5 }, /unknown option "sampleRatio"/],
  ['a non-string header name', { redactHeaders: ['x-key', 42] }, /redactHeaders\[1\] must be a string, got 42/],
  ['a path list that is a string', { redactResponseBody: '$.user.email' }, /redactResponseBody must be an array of JSONPath strings, got "\$\.user\.email"/],
  ['an invalid JSONPath', { redactRequestBody: ['$.ok', '$.users[*'] }, /redactRequestBody\[1\].*\$\.users\[\*/],
  ['a zero maxBodyBytes', { maxBodyBytes: 0 }, /maxBodyBytes must be a positive integer, got 0/],
  ['a fractional maxBodyBytes', { maxBodyBytes: 1.5 }, /maxBodyBytes must be a positive integer, got 1.5/],
  ['a zero maxQueueSize', { maxQueueSize: 0 }, /maxQueueSize must be a positive integer, got 0/],
  ['a zero maxQueueBytes', { maxQueueBytes: 0 }, /maxQueueBytes must be a positive integer, got 0/],
  ['a fractional maxQueueBytes', { maxQueueBytes: 0.5 }, /maxQueueBytes must be a positive integer, got 0.5/],
  ['a string maxQueueBytes', { maxQueueBytes: '32mb' }, /maxQueueBytes must be a positive integer, got "32mb"/],
  ['tags that are not a list', { tags: 'prod' }, /tags must be an array of strings, got "prod"/],
  ['options that are not an object', 'verbose', /options must be an object/]
]

for (const [what, options, message] of cases) {
  test(`register fails on ${what}`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(register(app, options), { name: 'ApitoolkitOptionsError', message })
  })
}

test("Fastify's own register options are not unknown names", async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.resolves(register(app, { otlpEndpoint: 'http://127.0.0.1:1', prefix: '/api', logLevel: 'warn' }))
})

test('maxQueueSize and maxQueueBytes in range are accepted', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.resolves(register(app, { otlpEndpoint: 'http://127.0.0.1:1', maxQueueSize: 1, maxQueueBytes: 1024 }))
})

// ---- the endpoint --------------------------------------------------------------------------------

const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const

/** Sets (or, for undefined, removes) environment variables for the rest of the test. */
function withEnv (t: { teardown (fn: () => void): void }, values: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]))
  const apply = (vars: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(vars)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
  apply(values)
  t.teardown(() => apply(saved))
}

const noEndpointVariables = Object.fromEntries(ENDPOINT_VARIABLES.map((name) => [name, undefined]))

test('an endpoint without http:// or https:// fails register naming where it came from, not with a TLS error', async (t) => {
  const bare = 'collector.example:4317'
  const sources: Array<[string, ApitoolkitOptions, Record<string, string | undefined>]> = [
    ['option otlpEndpoint', { otlpEndpoint: bare }, {}],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', {}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: bare }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: bare }]
  ]
  for (const [source, options, env] of sources) {
    await t.test(source, async (t) => {
      withEnv(t, { ...noEndpointVariables, ...env })
      const app = Fastify()
      t.teardown(() => app.close())
      const err: unknown = await register(app, options).then(() => undefined, (e: unknown) => e)
      t.type(err, Error, 'register fails')
      t.equal((err as Error | undefined)?.name, 'ApitoolkitOptionsError')
      t.equal((err as Error | undefined)?.message,
        `apitoolkit-fastify: ${source} must be a URL starting with http:// or https://, such as http://127.0.0.1:4317, got "${bare}"`)
      t.notMatch(String((err as Error | undefined)?.message), /tls|ssl|certificate|handshake/i, 'not a TLS error')
    })
  }
})

test('a valid otlpEndpoint wins over endpoint variables without a scheme', async (t) => {
  withEnv(t, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })
  const app = Fastify()
  t.teardown(() => app.close())
  await t.resolves(register(app, { otlpEndpoint: 'http://127.0.0.1:1' }))
})

// ---- the log line when no project key is given ------------------------------------------------------

interface LogLine { level: number, msg: string, endpoint?: string }

/**
 * Registers on an app whose logger writes into an array; returns the lines about a project key. (The tests
 * that expect a line prove this capture works for those that expect none.)
 */
async function projectKeyLines (t: { teardown (fn: () => unknown): void }, options: ApitoolkitOptions): Promise<LogLine[]> {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    }
  })
  const app = Fastify({ logger: { level: 'trace', stream } })
  t.teardown(() => app.close())
  await register(app, options)
  return lines.filter((line) => /project key/i.test(line.msg))
}

const WARN = 40
const INFO = 30
const NO_KEY = 'apitoolkit-fastify: no project key (option apiKey, or at-project-key in OTEL_RESOURCE_ATTRIBUTES)'

test('no project key, default APItoolkit endpoint: one warning that APItoolkit will not accept the spans', async (t) => {
  withEnv(t, { ...noEndpointVariables, OTEL_RESOURCE_ATTRIBUTES: undefined })
  const lines = await projectKeyLines(t, {})
  t.same(lines.map(({ level, msg, endpoint }) => ({ level, msg, endpoint })), [{
    level: WARN, msg: `${NO_KEY}: APItoolkit will not accept these spans`, endpoint: 'http://otelcol.apitoolkit.io:4317'
  }])
})

test('no project key, another APItoolkit host: a warning too', async (t) => {
  withEnv(t, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders' })
  const lines = await projectKeyLines(t, { otlpEndpoint: 'https://eu.otelcol.apitoolkit.io:4317' })
  t.same(lines.map(({ level }) => level), [WARN])
})

test('no project key, another endpoint: one info line, no warning', async (t) => {
  withEnv(t, { OTEL_RESOURCE_ATTRIBUTES: undefined })
  const lines = await projectKeyLines(t, { otlpEndpoint: 'http://127.0.0.1:1' })
  t.same(lines.map(({ level, msg, endpoint }) => ({ level, msg, endpoint })), [{ level: INFO, msg: NO_KEY, endpoint: 'http://127.0.0.1:1' }])
})

test('with apiKey, nothing is logged about a project key', async (t) => {
  withEnv(t, { ...noEndpointVariables, OTEL_RESOURCE_ATTRIBUTES: undefined })
  t.same(await projectKeyLines(t, { apiKey: 'project-key' }), [], 'default endpoint')
  t.same(await projectKeyLines(t, { apiKey: 'project-key', otlpEndpoint: 'http://127.0.0.1:1' }), [], 'another endpoint')
})

test('with at-project-key in OTEL_RESOURCE_ATTRIBUTES, nothing is logged about a project key', async (t) => {
  withEnv(t, { ...noEndpointVariables, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,at-project-key=from-env' })
  t.same(await projectKeyLines(t, {}), [], 'default endpoint')
  t.same(await projectKeyLines(t, { otlpEndpoint: 'http://127.0.0.1:1' }), [], 'another endpoint')
})

test('a resource value spelled at-project-key is not a project key: the line is still logged', async (t) => {
  withEnv(t, { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=at-project-key' })
  const lines = await projectKeyLines(t, { otlpEndpoint: 'http://127.0.0.1:1' })
  t.same(lines.map(({ level, msg }) => ({ level, msg })), [{ level: INFO, msg: NO_KEY }])
})
