import type { IncomingMessage } from 'node:http'
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import type {
  FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onSendHookHandler, preValidationHookHandler, RouteOptions
} from 'fastify'
import fp from 'fastify-plugin'
import type { ApitoolkitOptions, ApitoolkitRequest } from '../types/index'
import { startExport } from './export/start-export'
import { ApitoolkitOptionsError, resolveOptions, type ResolvedOptions } from './options/resolve-options'
import { startOutgoingMonitor } from './outgoing/outgoing-monitor'
import type { CapturePolicy } from './policy/capture-policy'
import { compileRoutePolicy, policyFor } from './policy/route-policy'
import { recordOf, RequestFacade, UNTRACED } from './request/facade'
import { createPluginState, type PluginState } from './request/plugin-state'
import { RequestRecord } from './request/request-record'
import { watchUnrouted } from './request/unrouted'
import { watchConnectionClose } from './request/connection-close'
import { watchResponseFinish, type ResponseFinish } from './request/response-finish'
import { routeConfigOf } from './request/route-context'
import { hasGlobalTracerProvider } from './span/trace-context'

type Done = HookHandlerDoneFunction

function isIgnored (ignoreRoutes: ReadonlySet<string>, request: FastifyRequest, route: string | undefined): boolean {
  if (ignoreRoutes.size === 0) return false
  if (route !== undefined && ignoreRoutes.has(route)) return true
  const query = request.url.indexOf('?')
  return ignoreRoutes.has(query < 0 ? request.url : request.url.slice(0, query))
}

/** The request's record, or undefined for a request that gets no span (ignored, or its route says so). */
function startRecord (plugin: PluginState, request: FastifyRequest, reply: FastifyReply): RequestRecord | undefined {
  const config = routeConfigOf(request)
  if (isIgnored(plugin.options.ignoreRoutes, request, config.url)) return undefined
  const policy = policyFor(config, plugin)
  if (policy === false) return undefined
  const record = new RequestRecord(plugin, request, reply, policy)
  if (plugin.options.correlateLogs) request.log = request.log.child(record.logBindings())
  return record
}

/** Runs one of the plugin's own steps so that whatever it throws is logged and never reaches the app. */
function guarded (plugin: PluginState, where: string, step: () => void): void {
  try {
    step()
  } catch (err) {
    plugin.fail(err, where)
  }
}

/** Adds the hooks; returns the last raw request onRequest saw, for the watcher of router-answered requests. */
function addHooks (app: FastifyInstance, plugin: PluginState, finishes: ResponseFinish): () => IncomingMessage | undefined {
  const { options, activateContext } = plugin
  let lastSeen: IncomingMessage | undefined
  // HTTP/1 connections carry one request at a time: a connection that closes under a request in flight is
  // a client abort, watched once per connection rather than with a listener per request. HTTP/2 streams
  // end on their own, so there Fastify's per-request hook is the way.
  const http2 = app.initialConfig.http2 === true

  app.addHook('onRequest', function apitoolkitOnRequest (request: FastifyRequest, reply: FastifyReply, done: Done) {
    let record: RequestRecord | undefined
    // try/catch in place rather than guarded(): no closure per request on the two hooks every request runs.
    try {
      record = startRecord(plugin, request, reply)
    } catch (err) {
      plugin.fail(err, 'starting the span')
    }
    lastSeen = request.raw
    if (record === undefined) {
      request.apitoolkit = UNTRACED
    } else {
      request.apitoolkit = new RequestFacade(record)
      finishes.watch(record, request.raw, reply.raw)
      if (!http2) watchConnectionClose(request.raw.socket, record)
    }
    // Hooks and a body-less handler run from done(), so they see the span as the active one.
    if (record?.context !== undefined) context.with(record.context, done)
    else done()
  })

  // Body hooks run on every request of the app when the plugin's options capture bodies, else only on the
  // routes whose own config does (added to those routes in onRoute).
  const bodyHooks = bodyHooksOf(plugin)
  if (options.captureRequestBody !== false) app.addHook('preValidation', bodyHooks.preValidation)
  if (options.captureResponseBody !== false) app.addHook('onSend', bodyHooks.onSend)

  app.addHook('onError', function apitoolkitOnError (request: FastifyRequest, _reply: FastifyReply, error: Error, done: Done) {
    const record = recordOf(request.apitoolkit)
    if (record !== undefined) guarded(plugin, 'recording an error', () => { record.span.recordError(error) })
    done()
  })

  if (http2) {
    app.addHook('onRequestAbort', function apitoolkitOnRequestAbort (request: FastifyRequest, done: Done) {
      const record = recordOf(request.apitoolkit)
      if (record !== undefined) guarded(plugin, 'ending the span of an aborted request', () => { record.abort() })
      done()
    })
  }

  // Sockets only time out with a connectionTimeout; the hook costs a listener per request, so only then.
  if ((app.initialConfig.connectionTimeout ?? 0) > 0) {
    app.addHook('onTimeout', function apitoolkitOnTimeout (request: FastifyRequest, _reply: FastifyReply, done: Done) {
      const record = recordOf(request.apitoolkit)
      if (record !== undefined) guarded(plugin, 'ending the span of a timed-out request', () => { record.timeout() })
      done()
    })
  }

  app.addHook('onRoute', function apitoolkitOnRoute (route: RouteOptions) {
    const policy = compileRoutePolicy(route, options.policy)
    if (policy) addRouteBodyHooks(route, policy, options, bodyHooks)
    if (activateContext) restoreContextInHandler(route)
  })
  return () => lastSeen
}

interface BodyHooks {
  preValidation: preValidationHookHandler
  onSend: onSendHookHandler<unknown>
}

function bodyHooksOf (plugin: PluginState): BodyHooks {
  return {
    // Before validation, which may coerce or strip fields, and before the handler can change the body.
    preValidation: function apitoolkitPreValidation (request: FastifyRequest, _reply: FastifyReply, done: Done) {
      const record = recordOf(request.apitoolkit)
      // try/catch in place rather than guarded(): no closure per request.
      try {
        record?.captureRequestBody(request.body)
      } catch (err) {
        plugin.fail(err, 'capturing the request body')
      }
      done()
    },
    onSend: function apitoolkitOnSend (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) {
      recordOf(request.apitoolkit)?.keepResponsePayload(payload)
      done(null, payload)
    }
  }
}

function prepend<T> (hooks: T | T[] | undefined, hook: T): T[] {
  return hooks === undefined ? [hook] : [hook, ...(Array.isArray(hooks) ? hooks : [hooks])]
}

/** The body hooks a route's own config needs and the app-wide ones do not give it. */
function addRouteBodyHooks (route: RouteOptions, policy: CapturePolicy, options: ResolvedOptions, hooks: BodyHooks): void {
  if (policy.captureRequestBody !== false && options.captureRequestBody === false) {
    route.preValidation = prepend(route.preValidation, hooks.preValidation)
  }
  if (policy.captureResponseBody !== false && options.captureResponseBody === false) {
    route.onSend = prepend(route.onSend, hooks.onSend)
  }
}

/** A handler that runs after the body was read is called from the socket's context, not ours: restore it. */
function restoreContextInHandler (route: RouteOptions): void {
  const handler = route.handler
  route.handler = function apitoolkitHandler (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    const ctx = recordOf(request.apitoolkit)?.context
    // A handler called straight from onRequest's done() (no body to read) already runs in the span's context.
    return ctx === undefined || context.active() === ctx
      ? handler.call(this, request, reply)
      : context.with(ctx, handler, this, request, reply)
  }
}

/** Fastify makes an encapsulated context with Object.create(parent); the root has no Fastify prototype. */
function isEncapsulated (app: FastifyInstance): boolean {
  return Object.getPrototypeOf(app) !== Object.prototype
}

async function apitoolkitPlugin (app: FastifyInstance, rawOptions: ApitoolkitOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  if (app.hasRequestDecorator('apitoolkit')) {
    // A second registration would add every hook twice: two spans per request.
    throw new ApitoolkitOptionsError('the plugin is already registered on this app or a parent of it; register it once, at the root')
  }
  if (isEncapsulated(app)) {
    // Routes outside this context would have no request.apitoolkit, and a call on it would crash them.
    throw new ApitoolkitOptionsError('register the plugin on the root app (or inside a fastify-plugin wrapper), not inside an encapsulated plugin: requests outside it would have no request.apitoolkit')
  }
  const hasGlobalProvider = hasGlobalTracerProvider()
  if (options.monitorOutgoing && !hasGlobalProvider) {
    // The monitor finds the request through the active context: that needs a context manager. Keep one
    // the process already has.
    const manager = new AsyncLocalStorageContextManager().enable()
    if (!context.setGlobalContextManager(manager)) manager.disable()
  }
  const pipeline = startExport(options, app.log)
  const plugin = createPluginState(options, pipeline, app.log, hasGlobalProvider)
  // Null on the prototype, set per request: the shape Fastify keeps fast.
  app.decorateRequest('apitoolkit', null as unknown as ApitoolkitRequest)
  const finishes = watchResponseFinish()
  const lastSeen = addHooks(app, plugin, finishes)
  const stopWatching = watchUnrouted(app.server, plugin, lastSeen)
  const stopMonitor = options.monitorOutgoing ? startOutgoingMonitor() : undefined
  // Runs after the server stopped taking requests and those in flight ended, so their spans are in.
  app.addHook('onClose', async () => {
    stopWatching()
    finishes.stop()
    stopMonitor?.()
    await pipeline.close()
  })
}

export const plugin = fp(apitoolkitPlugin, { fastify: '5.x', name: 'apitoolkit-fastify' })
