import type { FastifyPluginAsync, FastifyRequest } from 'fastify'

// `export =` with a namespace, the layout of Fastify's own plugins: `require()` gives the plugin, and
// TypeScript's ESM (`module: nodenext`, .mts) sees `import apitoolkit from` as the plugin too, matching
// lib/index.ts (module.exports = plugin, with .default, .apitoolkit, .reportError, .observeRequest, .observeAxios).

type ApitoolkitPlugin = FastifyPluginAsync<apitoolkit.ApitoolkitOptions>

declare namespace apitoolkit {
  /** Options of `app.register(apitoolkit, options)`. Every field is optional; unknown names are refused. */
  export interface ApitoolkitOptions {
    /** APItoolkit project key: the resource attribute `at-project-key`. */
    apiKey?: string | undefined
    /** `service.name` of the resource; `OTEL_SERVICE_NAME` or `''` when absent. */
    serviceName?: string
    /** `service.version` of the resource and `apitoolkit.service_version` of every span. */
    serviceVersion?: string
    /** `apitoolkit.tags` of every span. */
    tags?: string[]
    /** Log what the plugin does (one line per span) through Fastify's logger, at info level so it shows. */
    debug?: boolean
    /**
     * Put the request body in the span (base64 of the redacted bytes); `'errors'`: only for requests that
     * end with status ≥ 400 or an error.
     */
    captureRequestBody?: CaptureMode
    /** Put the response body in the span; `'errors'`: only for requests that end with status ≥ 400 or an error. */
    captureResponseBody?: CaptureMode
    /** Header names redacted in addition to the defaults (authorization, cookie, x-api-key, names with token, secret…). */
    redactHeaders?: string[]
    /** Query parameter names (case-insensitive) redacted in addition to the defaults (token, api_key, password, signature…). */
    redactQueryParams?: string[]
    /** JSONPath expressions redacted in request bodies. */
    redactRequestBody?: string[]
    /** JSONPath expressions redacted in response bodies. */
    redactResponseBody?: string[]
    /**
     * Replace values that look like secrets (card numbers passing Luhn, JWTs, Bearer credentials, private
     * keys, AWS key ids, GitHub/Stripe/Slack tokens) in bodies, header values and query values. Default true.
     */
    redactSecrets?: boolean
    /**
     * Share (0 to 1, default 1) of ordinary requests exported, decided from the trace id. Always exported:
     * status ≥ 500, a recorded error, aborts, timeouts and requests slower than `slowRequestMs`.
     */
    sampleRate?: number
    /** Requests at least this slow (milliseconds, default 1000) are exported whatever `sampleRate` says. */
    slowRequestMs?: number
    /** Add `trace_id` and `span_id` to every line logged through `request.log` (default false). */
    correlateLogs?: boolean
    /** OTLP/gRPC endpoint of the plugin's own exporter. */
    otlpEndpoint?: string
    /** Captured bodies are cut to this many bytes after redaction. */
    maxBodyBytes?: number
    /**
     * Capture every outgoing request made while serving a request, not only `observe` calls: fetch/undici,
     * and node:http/https clients (axios, got, the `http` module).
     */
    monitorOutgoing?: boolean
    /**
     * Route templates such as `/items/:id`: an outgoing call whose URL path matches one (the first that
     * does, in this order) is recorded with it as `http.route`, unless the call gives its own `urlWildcard`.
     */
    outgoingWildcards?: string[]
    /** Routes (templates such as `/health`, or URL paths) that get no span. */
    ignoreRoutes?: string[]
    /** Most spans waiting for export; what does not fit is dropped and counted. */
    maxQueueSize?: number
    /** Most encoded bytes waiting for export (default 32 MiB); what does not fit is dropped and counted. */
    maxQueueBytes?: number
  }

  /** Whether a body is captured: always, never, or only for requests that end with status ≥ 400 or an error. */
  export type CaptureMode = boolean | 'errors'

  /**
   * A route's own settings, as `config: { apitoolkit: … }` in its options: `false` for no span, or these.
   * Lists add to the plugin's; the rest override it. Checked when the route is added.
   */
  export type ApitoolkitRouteOptions = Pick<ApitoolkitOptions,
    'captureRequestBody' | 'captureResponseBody' | 'redactHeaders' | 'redactQueryParams' | 'redactRequestBody' |
    'redactResponseBody' | 'sampleRate'>

  /** Per-call options of the outgoing client, on top of the usual fetch init. */
  export interface ObserveOptions {
    /** Route template recorded as `http.route`, e.g. `/items/:id`; the URL path when absent. */
    urlWildcard?: string
    /** Header names redacted in this call's span, added to the plugin's list. */
    redactHeaders?: string[]
    /** JSONPath expressions redacted in this call's request body, added to the plugin's list. */
    redactRequestBody?: string[]
    /** JSONPath expressions redacted in this call's response body, added to the plugin's list. */
    redactResponseBody?: string[]
  }

  export type ObserveInit = RequestInit & ObserveOptions

  /** Body accepted by `post`/`put`/`patch`: a plain object or array is sent as JSON. */
  // RequestInit['body'], not the DOM's BodyInit: @types/node has no global BodyInit without lib "dom".
  export type ObserveBody = NonNullable<RequestInit['body']> | Record<string, unknown> | unknown[] | null

  /** HTTP client whose calls become APItoolkit spans, children of the request's span. */
  export interface ObserveClient {
    fetch (input: string | URL | Request, init?: ObserveInit): Promise<Response>
    get (url: string | URL, init?: ObserveInit): Promise<Response>
    head (url: string | URL, init?: ObserveInit): Promise<Response>
    delete (url: string | URL, init?: ObserveInit): Promise<Response>
    post (url: string | URL, body?: ObserveBody, init?: ObserveInit): Promise<Response>
    put (url: string | URL, body?: ObserveBody, init?: ObserveInit): Promise<Response>
    patch (url: string | URL, body?: ObserveBody, init?: ObserveInit): Promise<Response>
  }

  /**
   * What `observeAxios` needs of an axios instance (the default export or one made by `axios.create`):
   * declared here so the package does not depend on axios.
   */
  export interface AxiosLike {
    (...args: any[]): Promise<unknown>
    create (...args: any[]): unknown
    getUri (...args: any[]): string
    interceptors: {
      request: { use (...args: any[]): unknown }
      response: { use (...args: any[]): unknown }
    }
  }

  /** What the plugin adds to every request. */
  export interface ApitoolkitRequest {
    /** Record a handled error in this request's span. Non-Error values are converted; others ignored. */
    reportError (error: unknown): void
    /** Outgoing HTTP client whose calls are captured as child spans. */
    observe: ObserveClient
    /**
     * An axios instance made from `instance` (its defaults and interceptors) whose calls are captured as
     * child spans, bodies included; `options` apply to each of its calls. `instance` itself is unchanged.
     */
    observeAxios<T extends AxiosLike> (instance: T, options?: ObserveOptions): T
    /** The user the request acts for: `user.id`, `user.email`, `user.full_name`. */
    setUser (user: ApitoolkitUser): void
    /** The tenant the request acts for: `tenant.id`, `tenant.name`. */
    setTenant (tenant: ApitoolkitTenant): void
    /**
     * Custom attributes of this request's span. A name the span already has (or a header attribute) is
     * ignored; a value equal to a redacted header's is sent as `[CLIENT_REDACTED]`.
     */
    setAttributes (attributes: Record<string, string | number | boolean>): void
  }

  export interface ApitoolkitUser {
    id?: string | number
    email?: string
    name?: string
  }

  export interface ApitoolkitTenant {
    id?: string | number
    name?: string
  }

  export const apitoolkit: ApitoolkitPlugin
  export { apitoolkit as default }

  /** Record a handled error in the span of `request`. */
  export function reportError (request: FastifyRequest, error: unknown): void

  /** The request's outgoing client, with `options` as defaults of every call. */
  export function observeRequest (request: FastifyRequest, options?: ObserveOptions): ObserveClient

  /** `request.apitoolkit.observeAxios(instance, options)`. */
  export function observeAxios<T extends AxiosLike> (request: FastifyRequest, instance: T, options?: ObserveOptions): T
}

declare module 'fastify' {
  interface FastifyRequest {
    apitoolkit: apitoolkit.ApitoolkitRequest
  }
  interface FastifyContextConfig {
    apitoolkit?: false | apitoolkit.ApitoolkitRouteOptions
  }
}

declare function apitoolkit (...params: Parameters<ApitoolkitPlugin>): ReturnType<ApitoolkitPlugin>
export = apitoolkit
