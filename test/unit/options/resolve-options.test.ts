// resolveOptions on single cases: what a mistake is refused with, the defaults, and where the endpoint
// comes from. (resolve-options-fuzz.test.ts checks the same contract on generated option objects.)
import { test } from 'tap'
import {
  ApitoolkitOptionsError, DEFAULT_MAX_QUEUE_BYTES, DEFAULT_MAX_QUEUE_SIZE, DEFAULT_OTLP_ENDPOINT, resolveOptions
} from '../../../lib/options/resolve-options'

/** The error resolveOptions throws for `raw`, or undefined when it accepts it. */
function refusal (raw: unknown, env: NodeJS.ProcessEnv = {}): unknown {
  try {
    resolveOptions(raw, env)
    return undefined
  } catch (err) {
    return err
  }
}

const REFUSED: Array<[string, unknown, RegExp]> = [
  ['a wrong type', { captureRequestBody: 'yes' }, /^apitoolkit-fastify: option captureRequestBody must be true, false or 'errors', got "yes"$/],
  ['a typo in a redaction option', { redactRequestbody: ['$.password'] }, /unknown option "redactRequestbody" \(did you mean redactRequestBody\?\)/],
  ['an unknown option', { sampleRatio: 0.5 }, /unknown option "sampleRatio"$/],
  ['a non-string header name', { redactHeaders: ['x-key', 42] }, /option redactHeaders\[1\] must be a string, got 42/],
  ['a path list that is a string', { redactResponseBody: '$.user.email' }, /redactResponseBody must be an array of JSONPath strings, got "\$\.user\.email"/],
  ['an invalid JSONPath', { redactRequestBody: ['$.ok', '$.users[*'] }, /redactRequestBody\[1\].*\$\.users\[\*/],
  ['a zero maxBodyBytes', { maxBodyBytes: 0 }, /maxBodyBytes must be a positive integer, got 0/],
  ['a fractional maxBodyBytes', { maxBodyBytes: 1.5 }, /maxBodyBytes must be a positive integer, got 1\.5/],
  ['a zero maxQueueSize', { maxQueueSize: 0 }, /maxQueueSize must be a positive integer, got 0/],
  ['a string maxQueueSize', { maxQueueSize: '2048' }, /maxQueueSize must be a positive integer, got "2048"/],
  ['a zero maxQueueBytes', { maxQueueBytes: 0 }, /maxQueueBytes must be a positive integer, got 0/],
  ['a negative maxQueueBytes', { maxQueueBytes: -1 }, /maxQueueBytes must be a positive integer, got -1/],
  ['a fractional maxQueueBytes', { maxQueueBytes: 1024.5 }, /maxQueueBytes must be a positive integer, got 1024\.5/],
  ['a maxQueueBytes beyond safe integers', { maxQueueBytes: 2 ** 60 }, /maxQueueBytes must be a positive integer, got 1152921504606847000/],
  ['an infinite maxQueueBytes', { maxQueueBytes: Infinity }, /maxQueueBytes must be a positive integer, got Infinity/],
  ['a string maxQueueBytes', { maxQueueBytes: '32mb' }, /maxQueueBytes must be a positive integer, got "32mb"/],
  ['tags that are not a list', { tags: 'prod' }, /tags must be an array of strings, got "prod"/],
  ['outgoing wildcards that are not a list', { outgoingWildcards: '/items/:id' }, /^apitoolkit-fastify: option outgoingWildcards must be an array of strings, got "\/items\/:id"$/],
  ['a non-string outgoing wildcard', { outgoingWildcards: ['/a', 7] }, /option outgoingWildcards\[1\] must be a string, got 7/],
  ['an outgoing wildcard without a leading slash', { outgoingWildcards: ['/a', 'items/:id'] }, /^apitoolkit-fastify: option outgoingWildcards\[1\]: "items\/:id" must start with \/$/],
  ['an outgoing wildcard with a query', { outgoingWildcards: ['/items?id=1'] }, /option outgoingWildcards\[0\]: "\/items\?id=1" must be a path alone/],
  ['an outgoing wildcard with a nameless parameter', { outgoingWildcards: ['/items/:'] }, /option outgoingWildcards\[0\]: .*parameter without a name/],
  ['an outgoing wildcard naming a parameter twice', { outgoingWildcards: ['/a/:x/:x'] }, /option outgoingWildcards\[0\]: .*:x twice/],
  ['a capture mode other than errors', { captureResponseBody: 'error' }, /option captureResponseBody must be true, false or 'errors', got "error"/],
  ['a sample rate above 1', { sampleRate: 1.5 }, /option sampleRate must be a number from 0 to 1, got 1\.5/],
  ['a negative sample rate', { sampleRate: -0.1 }, /option sampleRate must be a number from 0 to 1, got -0\.1/],
  ['a NaN sample rate', { sampleRate: NaN }, /option sampleRate must be a number from 0 to 1, got NaN/],
  ['a sample rate as a string', { sampleRate: '0.5' }, /option sampleRate must be a number from 0 to 1, got "0\.5"/],
  ['a negative slowRequestMs', { slowRequestMs: -1 }, /option slowRequestMs must be a number of milliseconds, 0 or more, got -1/],
  ['an infinite slowRequestMs', { slowRequestMs: Infinity }, /option slowRequestMs must be a number of milliseconds, 0 or more, got Infinity/],
  ['a redactSecrets that is not a boolean', { redactSecrets: 'off' }, /option redactSecrets must be a boolean, got "off"/],
  ['a correlateLogs that is not a boolean', { correlateLogs: 1 }, /option correlateLogs must be a boolean, got 1/],
  ['options that are not an object', 'verbose', /options must be an object, got "verbose"/]
]

for (const [what, options, message] of REFUSED) {
  test(`refuses ${what} with a message saying what and where`, async (t) => {
    const err = refusal(options)
    t.type(err, ApitoolkitOptionsError)
    t.match((err as Error | undefined)?.message, message)
  })
}

test('capture policy defaults: no bodies, every request kept, slow from 1 s, secrets redacted, logs untouched', async (t) => {
  const r = resolveOptions({}, {})
  t.equal(r.captureRequestBody, false)
  t.equal(r.captureResponseBody, false)
  t.equal(r.sampleRate, 1)
  t.equal(r.slowRequestMs, 1000)
  t.equal(r.redactSecrets, true)
  t.equal(r.correlateLogs, false)
  t.equal(r.policy.sampleRate, 1)
  t.equal(r.policy.settings.redactSecrets, true)
  const given = resolveOptions({ captureRequestBody: 'errors', captureResponseBody: true, sampleRate: 0, slowRequestMs: 0, redactSecrets: false, correlateLogs: true }, {})
  t.equal(given.policy.captureRequestBody, 'errors')
  t.equal(given.policy.captureResponseBody, true)
  t.equal(given.policy.sampleRate, 0)
  t.equal(given.slowRequestMs, 0)
  t.equal(given.policy.settings.redactSecrets, false)
  t.equal(given.correlateLogs, true)
})

test('outgoingWildcards: compiled once, in the order given; none by default', async (t) => {
  t.equal(resolveOptions({}, {}).outgoingWildcards.match('/items/1'), undefined)
  const { outgoingWildcards } = resolveOptions({ outgoingWildcards: ['/items/new', '/items/:id'] }, {})
  t.equal(outgoingWildcards.match('/items/new'), '/items/new')
  t.equal(outgoingWildcards.match('/items/7'), '/items/:id')
})

test('the queue bounds: maxQueueSize and maxQueueBytes as given, else 2048 spans and 32 MiB', async (t) => {
  const defaults = resolveOptions({}, {})
  t.equal(defaults.maxQueueSize, 2048)
  t.equal(DEFAULT_MAX_QUEUE_SIZE, 2048)
  t.equal(defaults.maxQueueBytes, 32 * 1024 * 1024)
  t.equal(DEFAULT_MAX_QUEUE_BYTES, 32 * 1024 * 1024)
  const given = resolveOptions({ maxQueueSize: 10, maxQueueBytes: 1 }, {})
  t.equal(given.maxQueueSize, 10)
  t.equal(given.maxQueueBytes, 1, 'one byte is a positive integer too')
  t.equal(resolveOptions({ maxQueueBytes: Number.MAX_SAFE_INTEGER }, {}).maxQueueBytes, Number.MAX_SAFE_INTEGER)
  t.equal(resolveOptions({ maxQueueBytes: undefined }, {}).maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES, 'undefined is the default')
})

test('the endpoint: the option, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT, else APItoolkit', async (t) => {
  const traces = 'http://traces.example:4317'
  const generic = 'https://generic.example:4317'
  t.equal(resolveOptions({ otlpEndpoint: 'http://127.0.0.1:4317' }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: traces, OTEL_EXPORTER_OTLP_ENDPOINT: generic }).otlpEndpoint, 'http://127.0.0.1:4317')
  t.equal(resolveOptions({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: traces, OTEL_EXPORTER_OTLP_ENDPOINT: generic }).otlpEndpoint, traces)
  t.equal(resolveOptions({}, { OTEL_EXPORTER_OTLP_ENDPOINT: generic }).otlpEndpoint, generic)
  t.equal(resolveOptions({}, {}).otlpEndpoint, 'http://otelcol.apitoolkit.io:4317')
  t.equal(DEFAULT_OTLP_ENDPOINT, 'http://otelcol.apitoolkit.io:4317')
})

test('an endpoint without http:// or https:// is refused, naming where it came from', async (t) => {
  const bare = 'collector.example:4317'
  const cases: Array<[string, unknown, NodeJS.ProcessEnv, string]> = [
    ['the option', { otlpEndpoint: bare }, {}, 'option otlpEndpoint'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', {}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: bare }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', {}, { OTEL_EXPORTER_OTLP_ENDPOINT: bare }, 'OTEL_EXPORTER_OTLP_ENDPOINT']
  ]
  for (const [what, options, env, source] of cases) {
    const err = refusal(options, env)
    t.type(err, ApitoolkitOptionsError, `${what}: an ApitoolkitOptionsError`)
    t.equal((err as Error | undefined)?.message,
      `apitoolkit-fastify: ${source} must be a URL starting with http:// or https://, such as http://127.0.0.1:4317, got "${bare}"`,
      `${what}: the message names it, the rule and the value`)
  }
  for (const endpoint of ['localhost:4317', '127.0.0.1:4317', 'grpc://collector:4317', 'dns:///collector:4317', '//collector:4317', 'http:/collector', 'http://', '', ' http://x:1']) {
    t.type(refusal({ otlpEndpoint: endpoint }), ApitoolkitOptionsError, `${JSON.stringify(endpoint)} refused`)
  }
  for (const endpoint of ['http://127.0.0.1:4317', 'https://otelcol.example.com', 'http://[::1]:4317', 'HTTPS://Collector.Example:443']) {
    t.equal(refusal({ otlpEndpoint: endpoint }), undefined, `${JSON.stringify(endpoint)} accepted`)
  }
  t.equal(refusal({ otlpEndpoint: 'http://127.0.0.1:4317' }, { OTEL_EXPORTER_OTLP_ENDPOINT: bare }), undefined,
    'a variable the option overrides is not checked')
})

test('names inherited from Object.prototype are unknown options', async (t) => {
  const cases: object[] = [
    { constructor: [] }, { toString: [] }, { hasOwnProperty: ['x'] }, { valueOf: [] },
    JSON.parse('{"__proto__":[]}') as object, { constructor: 'a' }, { isPrototypeOf: true }
  ]
  for (const raw of cases) {
    const name = Object.keys(raw)[0]
    const err = refusal(raw)
    t.match((err as Error | undefined)?.message, `unknown option ${JSON.stringify(name)}`, `${name} refused as unknown`)
  }
})

test('a hole in a sparse array is not a string', async (t) => {
  for (const name of ['tags', 'redactHeaders', 'ignoreRoutes', 'redactRequestBody']) {
    const sparse: string[] = []
    sparse[1] = name === 'redactRequestBody' ? '$.a' : 'x'
    const err = refusal({ [name]: sparse })
    t.type(err, ApitoolkitOptionsError, `${name} with a hole refused`)
    t.match((err as Error | undefined)?.message, `${name}[0]`, "the hole's index is named")
  }
})

test('an empty endpoint variable counts as unset, as OpenTelemetry reads it', async (t) => {
  // A deployment template often sets a variable to nothing; OpenTelemetry's own exporter then skips it.
  const generic = 'http://127.0.0.1:4317'
  t.equal(refusal({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: generic }), undefined, 'an empty traces variable is not refused')
  t.equal(refusal({}, { OTEL_EXPORTER_OTLP_ENDPOINT: '' }), undefined, 'an empty generic variable is not refused')
  const endpointOf = (env: NodeJS.ProcessEnv): string => {
    try {
      return resolveOptions({}, env).otlpEndpoint
    } catch (err) {
      return `refused: ${(err as Error).message}`
    }
  }
  t.equal(endpointOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: generic }), generic, 'the next source is used')
  t.equal(endpointOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' }), DEFAULT_OTLP_ENDPOINT, 'both empty: the default')
})
