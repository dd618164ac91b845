// Fuzzing the options: whatever object a user passes, `resolveOptions` either accepts it with a
// configuration that redacts at least what was asked, or refuses it with an ApitoolkitOptionsError that
// names the offending option (and, for a path, shows the path). Registering on an app (never listening)
// agrees with it.
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import apitoolkit, { type ApitoolkitOptions } from '../../..'
import {
  ApitoolkitOptionsError, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_QUEUE_BYTES, DEFAULT_MAX_QUEUE_SIZE, DEFAULT_OTLP_ENDPOINT,
  resolveOptions, type ResolvedOptions
} from '../../../lib/options/resolve-options'

// ---- the contract, written down independently of lib/options/ (the documented options and the README's extras)

type Kind = 'string' | 'boolean' | 'capture' | 'rate' | 'milliseconds' | 'string[]' | 'path[]' | 'template[]' | 'positive integer'

const KINDS: Readonly<Record<string, Kind>> = {
  apiKey: 'string',
  serviceName: 'string',
  serviceVersion: 'string',
  otlpEndpoint: 'string',
  tags: 'string[]',
  debug: 'boolean',
  captureRequestBody: 'capture',
  captureResponseBody: 'capture',
  monitorOutgoing: 'boolean',
  redactSecrets: 'boolean',
  correlateLogs: 'boolean',
  sampleRate: 'rate',
  slowRequestMs: 'milliseconds',
  outgoingWildcards: 'template[]',
  redactHeaders: 'string[]',
  redactQueryParams: 'string[]',
  ignoreRoutes: 'string[]',
  redactRequestBody: 'path[]',
  redactResponseBody: 'path[]',
  maxBodyBytes: 'positive integer',
  maxQueueSize: 'positive integer',
  maxQueueBytes: 'positive integer'
}
const REAL_NAMES = Object.keys(KINDS)
const isReal = (name: string): boolean => Object.prototype.hasOwnProperty.call(KINDS, name)
// Fastify hands its own register options to the plugin: they are never unknown names.
const FASTIFY_NAMES = ['prefix', 'logLevel', 'logSerializers']
const DEFAULT_HEADERS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-access-token',
  'x-csrf-token', 'x-xsrf-token', 'x-amz-security-token'
]
/** An endpoint names its scheme: without one the transport would assume TLS. */
const hasScheme = (endpoint: string): boolean => /^https?:\/\//i.test(endpoint)

/** Whether a value has the kind the contract gives; paths are only checked to be strings here. */
function hasKind (kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string'
    case 'boolean': return typeof value === 'boolean'
    case 'capture': return typeof value === 'boolean' || value === 'errors'
    case 'rate': return typeof value === 'number' && value >= 0 && value <= 1
    case 'milliseconds': return typeof value === 'number' && Number.isFinite(value) && value >= 0
    case 'positive integer': return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    default: {
      if (!Array.isArray(value)) return false
      // An index loop, not forEach: a hole in a sparse array is not a string either.
      for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false
      return true
    }
  }
}

type Verdict = 'ok' | 'bad' | 'maybe'

/** What the contract says of one option; a list of path strings is 'maybe': only the parser knows. */
function verdict (name: string, value: unknown): Verdict {
  if (FASTIFY_NAMES.includes(name)) return 'ok'
  if (!isReal(name)) return 'bad'
  if (value === undefined) return 'ok'
  const kind = KINDS[name]
  if (!hasKind(kind, value)) return 'bad'
  // Endpoints without http:// or https:// are refused; with one, only the URL parser knows.
  if (name === 'otlpEndpoint') return hasScheme(value as string) ? 'maybe' : 'bad'
  // Path and URL template lists: only their parsers know.
  return (kind === 'path[]' || kind === 'template[]') && (value as string[]).length > 0 ? 'maybe' : 'ok'
}

// ---- generators ------------------------------------------------------------------------------------

/** Near misses of real names: the typos that would silently turn redaction off if they were ignored. */
const typoArb: fc.Arbitrary<string> = fc.tuple(fc.constantFrom(...REAL_NAMES), fc.nat(), fc.constantFrom(
  'upper', 'lower', 'flipCase', 'drop', 'double', 'swap', 'plural', 'space', 'snake'
)).map(([name, n, how]) => {
  const i = n % name.length
  switch (how) {
    case 'upper': return name.toUpperCase()
    case 'lower': return name.toLowerCase()
    case 'flipCase': return name.slice(0, i) + (name[i] === name[i].toLowerCase() ? name[i].toUpperCase() : name[i].toLowerCase()) + name.slice(i + 1)
    case 'drop': return name.slice(0, i) + name.slice(i + 1)
    case 'double': return name.slice(0, i) + name[i] + name.slice(i)
    case 'swap': return i + 1 < name.length ? name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2) : name + 'x'
    case 'plural': return name.endsWith('s') ? name.slice(0, -1) : name + 's'
    case 'space': return ` ${name}`
    default: return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  }
}).filter((name) => !isReal(name) && !FASTIFY_NAMES.includes(name))

const unknownArb: fc.Arbitrary<string> = fc.oneof(
  typoArb,
  fc.string({ maxLength: 20 }).filter((name) => !isReal(name) && !FASTIFY_NAMES.includes(name))
)

const identifierArb = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/)
const intArb = fc.integer({ min: -5, max: 20 }).map(String)
/** Quoted-string contents the jsonpath lexer takes as they are: no quote of that kind, no backslash. */
const quotedText = (quote: string): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', '-', '.', '[', ']', '*', '?', '(', ')', '@', '$', 'é', '😀', '\u2028'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 8 })
    .map((s) => s.split(quote).join('').split('\\').join(''))
const quotedArb = fc.oneof(quotedText("'").map((s) => `'${s}'`), quotedText('"').map((s) => `"${s}"`))
const sliceArb = fc.tuple(fc.option(intArb), fc.option(intArb), fc.option(fc.integer({ min: -4, max: 4 }).filter((n) => n !== 0).map(String)))
  .map(([a, b, step]) => `${a ?? ''}:${b ?? ''}${step === null ? '' : `:${step}`}`)
const subscriptArb = fc.oneof(intArb, quotedArb, fc.constant('*'), sliceArb,
  fc.array(fc.oneof(intArb, quotedArb, sliceArb), { minLength: 2, maxLength: 3 }).map((parts) => parts.join(',')))

/** JSONPath the plugin documents as supported (jsonpath's syntax without filters, scripts, descendant unions/slices). */
const validPathArb: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(fc.constant('$'), identifierArb, fc.constant('*')),
  fc.array(fc.oneof(
    identifierArb.map((id) => `.${id}`),
    fc.constant('.*'),
    fc.nat({ max: 30 }).map((n) => `.${n}`),
    identifierArb.map((id) => `..${id}`),
    fc.constant('..*'),
    subscriptArb.map((s) => `[${s}]`),
    fc.oneof(intArb, quotedArb, fc.constant('*')).map((s) => `..[${s}]`)
  ), { maxLength: 5 })
).map(([head, rest]) => head + rest.join(''))

/** Filter and script expressions: request data must never reach an evaluator, so these are always refused. */
const evaluatorPathArb: fc.Arbitrary<string> = fc.tuple(
  fc.constantFrom('$', '$.a', '$..a', 'a', '$[*]', "$['x']"),
  fc.constantFrom('[?(', '..[?(', '[(', '..[('),
  fc.constantFrom('@.a', '@.price < 10', '@.length-1', "@.name == 'x'", 'process.exit(1)', '@.a && @.b', '"])'),
  fc.constantFrom('', '.b', '[0]', '..c')
).map(([head, open, expression, tail]) => `${head}${open}${expression})]${tail}`)

/** Paths every JSONPath reader refuses, or the plugin may refuse (zero steps, descendant unions). */
const brokenPathArb: fc.Arbitrary<string> = fc.constantFrom(
  '', '$.', '$..', '$[', '$[]', "$['a", '$["a]', '$.a[', '$.a.', '$a', '.a', '..a', '[0]', '$]', '$[0',
  '$.é', '$.a b', '$.a\n', '$[?]', '$[?(@.a)', '$[1:2:0]', '$[::0]', '$..[0,1]', "$..['a','b']", '$..[1:2]', '$$', '$.a..'
)

const oddPathArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: fc.constantFrom(...'$.[]*?()@\'",:-019ab_ \\'), maxLength: 12 })
)

const anyPathArb = fc.oneof(validPathArb, evaluatorPathArb, brokenPathArb, oddPathArb)

/** Values of every wrong type, odd numbers among them (NaN, infinities, -0, beyond safe integers). */
const strangeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -1, 0, -0, 1.5, 2 ** 60, Number.MAX_SAFE_INTEGER + 1, null, true, false, '', 'true', '5', 5n),
  fc.constantFrom<() => unknown>(
    () => ({}), () => [], () => [1], () => ['a', 2], () => ['a', null], () => [['$.a']], () => ({ length: 1, 0: 'a' }),
    () => new String('a'), () => new Boolean(true), () => Object.create(null), () => (() => 1), () => Symbol('s'), () => new Date(0)
  ).map((make) => make()),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null), fc.constant(undefined)), { maxLength: 3 })
)

/** A value of the right kind for `name`; `endpointArb` for otlpEndpoint (the exporter parses it as a URL). */
function validValueArb (name: string, endpointArb: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  if (name === 'otlpEndpoint') return endpointArb
  switch (KINDS[name]) {
    case 'string': return fc.string({ maxLength: 12 })
    case 'boolean': return fc.boolean()
    case 'capture': return fc.constantFrom(true, false, 'errors')
    case 'rate': return fc.double({ min: 0, max: 1, noNaN: true })
    case 'milliseconds': return fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true }))
    case 'positive integer': return fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
    case 'string[]': return fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Authorization', 'X-API-Key', 'x-secret')), { maxLength: 4 })
    case 'template[]': return fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('/items/:id', '/a/:b/c/:d', '/', 'items/:id', '/x/:', '/x/:a/:a')), { maxLength: 4 })
    default: return fc.array(anyPathArb, { maxLength: 4 })
  }
}

// Endpoints that are valid URLs with a scheme; none is ever reached (nothing is sent while registering).
const VALID_ENDPOINTS = ['http://127.0.0.1:1', 'https://otelcol.example.com:4317', 'http://[::1]:4317', 'HTTP://127.0.0.1:1']

/** Endpoints without http:// or https://: host and port alone, other schemes, odd strings. */
const schemelessArb: fc.Arbitrary<string> = fc.oneof(
  fc.domain().map((host) => `${host}:4317`),
  fc.webUrl().map((url) => url.replace(/^https?:\/\//, '')),
  fc.tuple(fc.constantFrom('grpc', 'dns', 'tcp', 'ftp', 'ws', 'httpx', 'http', 'https'), fc.constantFrom('://', ':/', ':', ':///'), fc.domain())
    .map(([scheme, sep, host]) => `${scheme}${sep}${host}`),
  fc.string({ maxLength: 12 })
).filter((endpoint) => !hasScheme(endpoint))

/** Any endpoint string: valid ones, schemeless ones, generated URLs and odd strings. */
const anyEndpointArb: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...VALID_ENDPOINTS), fc.webUrl(), schemelessArb)

interface Shape { wrong: boolean, fastify: boolean, endpointArb: fc.Arbitrary<string> }

/**
 * Option objects: real names with right values, and with `wrong` also wrong values and unknown names;
 * with `fastify`, Fastify's own register options too.
 */
function optionsArb ({ wrong, fastify, endpointArb }: Shape): fc.Arbitrary<Record<string, unknown>> {
  const entries: Array<fc.Arbitrary<[string, unknown]>> = [
    fc.constantFrom(...REAL_NAMES).chain((name) => fc.tuple(fc.constant(name), fc.oneof(
      { arbitrary: validValueArb(name, endpointArb), weight: 4 },
      { arbitrary: wrong ? strangeArb : validValueArb(name, endpointArb), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 1 }
    )))
  ]
  if (wrong) entries.push(fc.tuple(unknownArb, fc.oneof(validValueArb('tags', endpointArb), strangeArb)))
  if (fastify) entries.push(fc.tuple(fc.constantFrom(...FASTIFY_NAMES), strangeArb))
  // fromEntries defines own data properties, whatever the key; a repeated key keeps its last value.
  return fc.array(fc.oneof(...entries), { maxLength: 7 }).map((list) => Object.fromEntries(list))
}

// ---- what a refusal must say -----------------------------------------------------------------------

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The message names `name`: as a whole word, or quoted as JSON (names with odd characters). */
function names (message: string, name: string): boolean {
  if (name !== '' && new RegExp(`(^|[^A-Za-z0-9_$])${escapeRegExp(name)}($|[^A-Za-z0-9_$])`).test(message)) return true
  return message.includes(JSON.stringify(name))
}

/** The message shows the path as written, or JSON-quoted (the form that keeps newlines and quotes readable). */
const showsPath = (message: string, path: string): boolean => message.includes(JSON.stringify(path)) || (path !== '' && message.includes(path))

function outcome (raw: unknown): { resolved: ResolvedOptions } | { error: unknown } {
  try {
    return { resolved: resolveOptions(raw, {}) }
  } catch (error) {
    return { error }
  }
}

function refusal (raw: unknown): ApitoolkitOptionsError | undefined {
  const result = outcome(raw)
  if ('resolved' in result) return undefined
  if (result.error instanceof ApitoolkitOptionsError) return result.error
  throw new Error(`resolveOptions threw something other than ApitoolkitOptionsError: ${String(result.error)}`)
}

/**
 * Checks a refusal of `o`: the error names an option of `o` that is wrong on its own (refused alone with
 * the same message), and for a path option, shows a path that is refused on its own.
 */
function checkRefusal (o: Record<string, unknown>, error: unknown): void {
  if (!(error instanceof ApitoolkitOptionsError)) throw new Error(`not an ApitoolkitOptionsError: ${String(error)}`)
  const { message } = error
  const named = Object.keys(o).filter((name) => names(message, name))
  const culprit = named.find((name) => refusal({ [name]: o[name] })?.message === message)
  if (culprit === undefined) throw new Error(`the message names no option that is wrong on its own: ${message}`)
  if (isReal(culprit) && KINDS[culprit] === 'path[]' && hasKind('path[]', o[culprit])) {
    const paths = o[culprit] as string[]
    const shown = paths.some((path) => showsPath(message, path) && refusal({ [culprit]: [path] }) !== undefined)
    if (!shown) throw new Error(`a path refusal that shows none of the refused paths: ${message}`)
  }
}

/** Checks an acceptance: nothing asked for is missing from what the plugin will redact. */
function checkAcceptance (o: Record<string, unknown>, r: ResolvedOptions): void {
  for (const [name, plan] of [['redactRequestBody', r.requestPlan], ['redactResponseBody', r.responsePlan]] as const) {
    const asked = (o[name] ?? []) as string[]
    for (const path of asked) if (!plan.paths.includes(path)) throw new Error(`${name}: ${JSON.stringify(path)} missing from the plan`)
    // Body capture skips redaction for an empty plan: a plan marked empty with paths would send bodies in clear.
    if (plan.empty !== (asked.length === 0)) throw new Error(`${name}: plan.empty is ${plan.empty} for ${asked.length} paths`)
  }
  for (const header of (o.redactHeaders ?? []) as string[]) {
    if (!r.redactHeaders.has(header.toLowerCase())) throw new Error(`header ${JSON.stringify(header)} not redacted`)
  }
  for (const header of DEFAULT_HEADERS) if (!r.redactHeaders.has(header)) throw new Error(`default header ${header} not redacted`)
  // What was given is what the plugin uses; what was not, its default.
  const expected: Array<[string, unknown, unknown]> = [
    ['otlpEndpoint', r.otlpEndpoint, o.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT],
    ['maxBodyBytes', r.maxBodyBytes, o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES],
    ['maxQueueSize', r.maxQueueSize, o.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE],
    ['maxQueueBytes', r.maxQueueBytes, o.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES]
  ]
  for (const [name, got, want] of expected) if (got !== want) throw new Error(`${name} is ${String(got)}, expected ${String(want)}`)
}

// ---- properties ------------------------------------------------------------------------------------

test('any option object: accepted with everything asked redacted, or refused naming the culprit', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(optionsArb({ wrong: true, fastify: true, endpointArb: anyEndpointArb }), (o) => {
    const verdicts = Object.keys(o).map((name) => verdict(name, o[name]))
    const result = outcome(o)
    if ('resolved' in result) {
      if (verdicts.includes('bad')) throw new Error(`accepted an option the spec refuses: ${fc.stringify(o)}`)
      checkAcceptance(o, result.resolved)
    } else {
      if (verdicts.every((v) => v === 'ok')) throw new Error(`refused valid options: ${String(result.error)}`)
      checkRefusal(o, result.error)
    }
  }), { numRuns: 2000 }), '2000 option objects')
})

test('an endpoint without http:// or https:// is always refused, naming otlpEndpoint and showing it', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(schemelessArb, optionsArb({ wrong: false, fastify: true, endpointArb: fc.constant('http://127.0.0.1:1') }), (endpoint, others) => {
    // Valid options beside it, paths left out: a refused path would be reported first.
    const { redactRequestBody: _request, redactResponseBody: _response, ...valid } = others
    const error = refusal({ ...valid, otlpEndpoint: endpoint })
    if (error === undefined) throw new Error(`accepted ${JSON.stringify(endpoint)}`)
    const expected = `apitoolkit-fastify: option otlpEndpoint must be a URL starting with http:// or https://, such as http://127.0.0.1:4317, got ${JSON.stringify(endpoint)}`
    if (error.message !== expected) throw new Error(`unclear refusal: ${error.message}`)
  }), { numRuns: 1000 }), '1000 endpoints without a scheme')
})

test('paths of the supported syntax are all accepted, each in the plan, with the default headers', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.constantFrom('redactRequestBody', 'redactResponseBody'), fc.array(validPathArb, { minLength: 1, maxLength: 6 }),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
    (name, paths, headers) => {
      const o = { [name]: paths, redactHeaders: headers }
      const result = outcome(o)
      if (!('resolved' in result)) throw new Error(`refused a supported path: ${String(result.error)}`)
      checkAcceptance(o, result.resolved)
    }
  ), { numRuns: 1500 }), '1500 lists of valid paths')
})

test('a filter or script expression anywhere in a list is refused, naming the option and the path', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.constantFrom('redactRequestBody', 'redactResponseBody'), fc.array(validPathArb, { maxLength: 4 }), evaluatorPathArb, fc.nat(),
    (name, valid, evaluated, at) => {
      const paths = [...valid]
      paths.splice(at % (paths.length + 1), 0, evaluated)
      const error = refusal({ [name]: paths })
      if (error === undefined) throw new Error(`accepted ${JSON.stringify(evaluated)}`)
      if (!names(error.message, name) || !showsPath(error.message, evaluated)) throw new Error(`unclear refusal: ${error.message}`)
      checkRefusal({ [name]: paths }, error)
    }
  ), { numRuns: 1000 }), '1000 lists with an evaluator expression')
})

test('a broken path is refused, naming the option and the path, wherever it is in the list', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.constantFrom('redactRequestBody', 'redactResponseBody'), fc.array(validPathArb, { maxLength: 4 }), brokenPathArb, fc.nat(),
    (name, valid, broken, at) => {
      const paths = [...valid]
      paths.splice(at % (paths.length + 1), 0, broken)
      const error = refusal({ [name]: paths })
      if (error === undefined) throw new Error(`accepted ${JSON.stringify(broken)}`)
      if (!names(error.message, name) || !showsPath(error.message, broken)) throw new Error(`unclear refusal: ${error.message}`)
    }
  ), { numRuns: 1000 }), '1000 lists with a broken path')
})

test('a typo of a real name is refused as unknown; a case slip suggests the real name', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.constantFrom(...REAL_NAMES), fc.nat(), fc.boolean(), (name, n, value) => {
    // Flip the case of one letter: `redactRequestbody` for `redactRequestBody`.
    const i = n % name.length
    const flipped = name[i] === name[i].toLowerCase() ? name[i].toUpperCase() : name[i].toLowerCase()
    const typo = name.slice(0, i) + flipped + name.slice(i + 1)
    const error = refusal({ [typo]: value ? ['$.password'] : [] })
    if (error === undefined) throw new Error(`accepted ${typo}`)
    if (!error.message.includes(JSON.stringify(typo)) || !names(error.message, name)) throw new Error(`unclear refusal: ${error.message}`)
  }), { numRuns: 1000 }), '1000 case slips')
  t.doesNotThrow(() => fc.assert(fc.property(typoArb, strangeArb, (typo, value) => {
    const error = refusal({ [typo]: value })
    if (error === undefined || !error.message.includes(JSON.stringify(typo))) throw new Error(`typo ${JSON.stringify(typo)}: ${String(error?.message)}`)
  }), { numRuns: 1000 }), '1000 typos of other kinds')
})

test('options that are not an object are refused with an ApitoolkitOptionsError', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.bigInt(), fc.array(fc.anything(), { maxLength: 3 })), (raw) => {
    const error = refusal(raw)
    if (error === undefined || !/options must be an object/.test(error.message)) throw new Error(`for ${fc.stringify(raw)}: ${String(error?.message)}`)
  }), { numRuns: 500 }), '500 values that are not objects')
  t.ok('resolved' in outcome(undefined) && 'resolved' in outcome(null), 'no options at all is fine')
})

test('register agrees with resolveOptions on an app: same acceptance, same message', async (t) => {
  // Fastify checks its own register options (prefix, logLevel) itself, so they stay out of this one.
  // Half the objects are valid, so the plugin's whole setup (pipeline, hooks, monitor) runs often too.
  // Endpoints without a scheme are refused before anything could be sent to them.
  const endpointArb = fc.oneof(fc.constantFrom(...VALID_ENDPOINTS), schemelessArb)
  const arb = fc.oneof(optionsArb({ wrong: false, fastify: false, endpointArb }), optionsArb({ wrong: true, fastify: false, endpointArb }))
  let accepted = 0
  let refused = 0
  await fc.assert(fc.asyncProperty(arb, async (given) => {
    // Never the default endpoint: nothing in a test may reach out of the machine.
    const o = given.otlpEndpoint !== undefined ? given : { ...given, otlpEndpoint: 'http://127.0.0.1:1' }
    const expected = outcome(o)
    const app = Fastify()
    try {
      const registered = await app.register(apitoolkit, o as ApitoolkitOptions).ready().then(() => undefined, (err: unknown) => err ?? null)
      if ('resolved' in expected) {
        if (registered !== undefined) throw new Error(`resolveOptions accepted ${fc.stringify(o)} but register failed: ${String(registered)}`)
        accepted++
      } else {
        const message = (expected.error as Error).message
        if (!(registered instanceof Error)) throw new Error(`resolveOptions refused (${message}) but register succeeded`)
        if (registered.name !== 'ApitoolkitOptionsError' || registered.message !== message) {
          throw new Error(`register failed differently: ${registered.name}: ${registered.message}, expected ${message}`)
        }
        refused++
      }
    } finally {
      await app.close()
    }
  }), { numRuns: 50 })
  t.ok(accepted > 0 && refused > 0, `both outcomes were exercised (${accepted} accepted, ${refused} refused)`)
})
