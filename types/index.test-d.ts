// Type tests of the public surface, run by tsd (test/package/types.test.ts runs them as part of `npm test`).
// They import the package the way a user does: through package.json's "types".
import axios, { type AxiosInstance, type AxiosStatic } from 'axios'
import Fastify, { type FastifyPluginAsync, type FastifyRequest } from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectNotType, expectType } from 'tsd'
import apitoolkit, {
  apitoolkit as namedPlugin,
  observeAxios,
  observeRequest,
  reportError,
  type ApitoolkitOptions,
  type ApitoolkitRequest,
  type ApitoolkitTenant,
  type ApitoolkitUser,
  type ObserveClient,
  type ObserveBody,
  type ObserveInit,
  type ObserveOptions
} from '..'

const app = Fastify()

// ---- the plugin and its options --------------------------------------------------------------------

expectAssignable<FastifyPluginAsync<ApitoolkitOptions>>(apitoolkit)
expectAssignable<FastifyPluginAsync<ApitoolkitOptions>>(namedPlugin)
expectNotType<any>(apitoolkit)
expectNotType<any>(namedPlugin)

// Every option, with the type the README documents.
app.register(apitoolkit, {
  apiKey: 'project-key',
  serviceName: 'orders-api',
  serviceVersion: '2.3.0',
  tags: ['prod', 'eu'],
  debug: true,
  captureRequestBody: true,
  captureResponseBody: false,
  redactHeaders: ['x-api-key'],
  redactRequestBody: ['$.password', '$.users[*].credit_card'],
  redactResponseBody: ['$.user.email', '$.user.addresses[*].zip'],
  otlpEndpoint: 'http://127.0.0.1:4317',
  maxBodyBytes: 65536,
  monitorOutgoing: true,
  outgoingWildcards: ['/items/:id'],
  ignoreRoutes: ['/health'],
  maxQueueSize: 2048,
  maxQueueBytes: 32 * 1024 * 1024
})
// The key straight from the environment, as the README shows it: string | undefined.
app.register(apitoolkit, { apiKey: process.env.APITOOLKIT_KEY, serviceName: 'orders-api' })
expectAssignable<ApitoolkitOptions>({ apiKey: undefined })
// No options at all, and Fastify's own register options next to the plugin's.
app.register(apitoolkit)
app.register(apitoolkit, { prefix: '/api', logLevel: 'warn', debug: false })

// Each option rejects a value of the wrong type.
expectError(app.register(apitoolkit, { apiKey: 42 }))
expectError(app.register(apitoolkit, { serviceName: ['orders'] }))
expectError(app.register(apitoolkit, { serviceVersion: 2 }))
expectError(app.register(apitoolkit, { tags: 'prod' }))
expectError(app.register(apitoolkit, { debug: 'yes' }))
expectError(app.register(apitoolkit, { captureRequestBody: 1 }))
expectError(app.register(apitoolkit, { captureResponseBody: 'true' }))
expectError(app.register(apitoolkit, { redactHeaders: 'x-api-key' }))
expectError(app.register(apitoolkit, { redactRequestBody: '$.password' }))
expectError(app.register(apitoolkit, { redactResponseBody: [42] }))
expectError(app.register(apitoolkit, { otlpEndpoint: new URL('http://127.0.0.1:4317') }))
expectError(app.register(apitoolkit, { maxBodyBytes: '64kb' }))
expectError(app.register(apitoolkit, { monitorOutgoing: 'yes' }))
expectError(app.register(apitoolkit, { outgoingWildcards: '/items/:id' }))
expectError(app.register(apitoolkit, { ignoreRoutes: '/health' }))
expectError(app.register(apitoolkit, { maxQueueSize: '2048' }))
expectError(app.register(apitoolkit, { maxQueueBytes: '32mb' }))
expectError(app.register(apitoolkit, { captureRequestBody: 'error' }))
expectError(app.register(apitoolkit, { sampleRate: '0.1' }))
expectError(app.register(apitoolkit, { slowRequestMs: '1s' }))
expectError(app.register(apitoolkit, { redactSecrets: 'off' }))
expectError(app.register(apitoolkit, { correlateLogs: 1 }))
app.register(apitoolkit, { captureRequestBody: 'errors', captureResponseBody: 'errors', sampleRate: 0.1, slowRequestMs: 500, redactSecrets: false, correlateLogs: true })

// A route's own settings, through Fastify's route config. (Fastify infers a route's config type from the
// literal, so a misspelt name is caught when the route is added, not here.)
app.get('/health', { config: { apitoolkit: false } }, async () => 'ok')
app.post('/pay', { config: { apitoolkit: { captureRequestBody: 'errors', redactRequestBody: ['$.card'], sampleRate: 1 } } }, async () => 'ok')
expectError(app.get('/rate', { config: { apitoolkit: { sampleRate: '1' } } }, async () => 'ok'))

// An unknown name (a typo would silently leak data) does not compile, alone or next to valid options.
expectError(app.register(apitoolkit, { redactRequestbody: ['$.password'] }))
expectError(app.register(apitoolkit, { serviceName: 'orders-api', redactRequestbody: ['$.password'] }))

// The options type itself, for users who build their options apart.
expectAssignable<ApitoolkitOptions>({ serviceName: 'orders-api', maxBodyBytes: 1024 })
expectNotAssignable<ApitoolkitOptions>({ debug: 'yes' })
expectNotAssignable<ApitoolkitOptions>({ maxBodyBytes: '1kb' })
const built: ApitoolkitOptions = { redactResponseBody: ['$.token'] }
app.register(apitoolkit, built)

// The option names, exactly: a new option must be added here (and to the README's table).
expectType<
  | 'apiKey' | 'serviceName' | 'serviceVersion' | 'tags' | 'debug' | 'captureRequestBody' | 'captureResponseBody'
  | 'redactHeaders' | 'redactQueryParams' | 'redactRequestBody' | 'redactResponseBody' | 'otlpEndpoint' | 'maxBodyBytes'
  | 'monitorOutgoing' | 'outgoingWildcards' | 'ignoreRoutes' | 'maxQueueSize' | 'maxQueueBytes' | 'redactSecrets' | 'sampleRate'
  | 'slowRequestMs' | 'correlateLogs'
>(null as unknown as keyof ApitoolkitOptions)
// Each option's type, exactly (an `any` fails these too).
declare const all: Required<ApitoolkitOptions>
expectType<string>(all.apiKey)
expectType<string>(all.serviceName)
expectType<string>(all.serviceVersion)
expectType<string[]>(all.tags)
expectType<boolean>(all.debug)
expectType<boolean | 'errors'>(all.captureRequestBody)
expectType<boolean | 'errors'>(all.captureResponseBody)
expectType<boolean>(all.redactSecrets)
expectType<number>(all.sampleRate)
expectType<number>(all.slowRequestMs)
expectType<boolean>(all.correlateLogs)
expectType<string[]>(all.redactHeaders)
expectType<string[]>(all.redactQueryParams)
expectType<string[]>(all.redactRequestBody)
expectType<string[]>(all.redactResponseBody)
expectType<string>(all.otlpEndpoint)
expectType<number>(all.maxBodyBytes)
expectType<boolean>(all.monitorOutgoing)
expectType<string[]>(all.outgoingWildcards)
expectType<string[]>(all.ignoreRoutes)
expectType<number>(all.maxQueueSize)
expectType<number>(all.maxQueueBytes)

// ---- request.apitoolkit, by declaration merging -----------------------------------------------------

app.get('/orders/:id', async (request) => {
  expectType<ApitoolkitRequest>(request.apitoolkit)
  expectNotType<any>(request.apitoolkit)

  expectType<void>(request.apitoolkit.reportError(new Error('declined')))
  try {
    JSON.parse('{')
  } catch (err) {
    // A caught value is `unknown` under strict: reportError takes it as it is.
    request.apitoolkit.reportError(err)
    expectType<void>(reportError(request, err))
  }
  request.apitoolkit.reportError('a string is turned into an error')

  // Who the request acts for, and custom attributes.
  expectType<void>(request.apitoolkit.setUser({ id: 'u_42', email: 'jane@example.com', name: 'Jane Doe' }))
  expectType<void>(request.apitoolkit.setUser({ id: 42 }))
  expectType<void>(request.apitoolkit.setUser({}))
  expectType<void>(request.apitoolkit.setTenant({ id: 't_7', name: 'Acme' }))
  expectType<void>(request.apitoolkit.setTenant({ id: 7 }))
  expectType<void>(request.apitoolkit.setAttributes({ plan: 'pro', seats: 12, trial: false }))
  expectError(request.apitoolkit.setUser({ id: true }))
  expectError(request.apitoolkit.setUser({ mail: 'jane@example.com' }))
  expectError(request.apitoolkit.setUser('u_42'))
  expectError(request.apitoolkit.setTenant({ id: 't_7', email: 'x@example.com' }))
  expectError(request.apitoolkit.setTenant({ name: 42 }))
  expectError(request.apitoolkit.setAttributes({ nested: { plan: 'pro' } }))
  expectError(request.apitoolkit.setAttributes({ missing: null }))
  expectError(request.apitoolkit.setAttributes({ tags: ['a', 'b'] }))
  expectError(request.apitoolkit.setAttributes('plan=pro'))

  // A misspelt member does not compile.
  expectError(request.apitoolkit.reportErr(new Error('x')))
  expectError(request.apitoolkit.observer)
  expectError(request.apitoolkit.observe.gett('https://stock.example.com'))

  const observe = request.apitoolkit.observe
  expectType<ObserveClient>(observe)
  expectNotType<any>(observe)
  expectType<Promise<Response>>(observe.get('https://stock.example.com/items/42', { urlWildcard: '/items/:id' }))
  expectType<Promise<Response>>(observe.get(new URL('https://stock.example.com/items/42')))
  expectType<Promise<Response>>(observe.head('https://stock.example.com/items/42'))
  expectType<Promise<Response>>(observe.delete('https://stock.example.com/items/42', { urlWildcard: '/items/:id' }))
  expectType<Promise<Response>>(observe.post('https://stock.example.com/items', { sku: 'A-1', qty: 2 }))
  expectType<Promise<Response>>(observe.post('https://stock.example.com/items', '{"sku":"A-1"}', {
    headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    redactHeaders: ['x-api-key'],
    redactRequestBody: ['$.card'],
    redactResponseBody: ['$.token'],
    signal: AbortSignal.timeout(1000)
  }))
  expectType<Promise<Response>>(observe.put('https://stock.example.com/items/42', [1, 2, 3]))
  expectType<Promise<Response>>(observe.patch('https://stock.example.com/items/42', null))
  expectType<Promise<Response>>(observe.fetch('https://stock.example.com/items/42', { method: 'GET', urlWildcard: '/items/:id' }))
  expectType<Promise<Response>>(observe.fetch(new URL('https://stock.example.com/')))

  // Per-call options are checked like the plugin's.
  expectError(observe.get('https://stock.example.com/items/42', { urlWildCard: '/items/:id' }))
  expectError(observe.get('https://stock.example.com/items/42', { urlWildcard: 42 }))
  expectError(observe.get('https://stock.example.com/items/42', { redactHeaders: 'x-api-key' }))
  expectError(observe.get(42))

  const res = await observe.get('https://stock.example.com/items/42')
  expectType<Response>(res)
  expectNotType<any>(res)
  expectType<number>(res.status)

  // The exported function mirrors the guide's observe_request(request).
  const client = observeRequest(request, { urlWildcard: '/items/:id' })
  expectType<ObserveClient>(client)
  expectNotType<any>(client)
  expectType<ObserveClient>(observeRequest(request))
  expectType<Promise<Response>>(client.get('https://stock.example.com/items/42'))
  expectError(observeRequest(request, { urlWildCard: '/items/:id' }))
  expectError(observeRequest({}, { urlWildcard: '/items/:id' }))
  expectError(reportError({}, new Error('x')))
  expectError(reportError(request))

  // observeAxios gives back the type it was given: axios itself or an instance of it.
  const observedAxios = request.apitoolkit.observeAxios(axios, { urlWildcard: '/items/:id', redactHeaders: ['x-api-key'] })
  expectType<AxiosStatic>(observedAxios)
  expectNotType<any>(observedAxios)
  const instance = axios.create({ baseURL: 'https://stock.example.com' })
  expectType<AxiosInstance>(request.apitoolkit.observeAxios(instance))
  expectType<AxiosInstance>(observeAxios(request, instance, { redactResponseBody: ['$.token'] }))
  expectType<Promise<number>>(request.apitoolkit.observeAxios(instance).get<{ n: number }>('/items/42').then((r) => r.data.n))
  expectError(request.apitoolkit.observeAxios({}))
  expectError(request.apitoolkit.observeAxios(fetch))
  expectError(request.apitoolkit.observeAxios(instance, { urlWildCard: '/items/:id' }))
  expectError(observeAxios(instance))

  return { ok: true }
})

// The same in hooks and in an encapsulated child plugin: the merged member is on every FastifyRequest.
app.addHook('preHandler', async (request) => {
  expectType<ApitoolkitRequest>(request.apitoolkit)
})
app.register(async (child) => {
  child.get('/child', async (request) => {
    expectType<Promise<Response>>(request.apitoolkit.observe.get('https://stock.example.com'))
    return 'ok'
  })
})

// The helper types are what the client methods take.
expectAssignable<ObserveInit>({ urlWildcard: '/items/:id', method: 'POST', body: '{}' })
expectAssignable<ObserveOptions>({ urlWildcard: '/items/:id', redactHeaders: ['x-key'] })
expectNotAssignable<ObserveOptions>({ urlWildcard: 42 })
declare const body: ObserveBody
expectNotType<any>(body)
expectAssignable<ObserveBody>({ sku: 'A-1' })
expectAssignable<ObserveBody>('text')
expectAssignable<ObserveBody>(new URLSearchParams('a=1'))
expectType<(request: FastifyRequest, error: unknown) => void>(reportError)
expectAssignable<ApitoolkitUser>({ id: 'u_42', email: 'jane@example.com', name: 'Jane Doe' })
expectNotAssignable<ApitoolkitUser>({ id: 'u_42', full_name: 'Jane Doe' })
expectAssignable<ApitoolkitTenant>({ id: 7, name: 'Acme' })
expectType<(user: ApitoolkitUser) => void>(null as unknown as ApitoolkitRequest['setUser'])
expectType<(tenant: ApitoolkitTenant) => void>(null as unknown as ApitoolkitRequest['setTenant'])
expectType<(attributes: Record<string, string | number | boolean>) => void>(null as unknown as ApitoolkitRequest['setAttributes'])
