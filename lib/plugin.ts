import { context, trace } from '@opentelemetry/api'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { ApitoolkitOptions, ApitoolkitRequest } from '../types/index'
import { createInstrumentation, type Instrumentation } from './request/instrumentation'
import { ApitoolkitOptionsError, resolveOptions } from './options/resolve-options'
import { createPipeline, startServerSpan } from './export/pipeline'
import { startOutgoingMonitor } from './outgoing/undici-monitor'
import { redactValue } from './redaction'
import { RequestTrace, traceOf, UNTRACED } from './request/request-trace'
import { markTraced, watchUnrouted } from './request/unrouted'

type Done = HookHandlerDoneFunction

function startTrace (inst: Instrumentation, request: FastifyRequest, reply: FastifyReply): RequestTrace {
  const { span, parent } = startServerSpan(inst.pipeline, request.headers)
  return new RequestTrace(inst, request, reply, span, trace.setSpan(parent, span))
}

function isIgnored (ignoreRoutes: ReadonlySet<string>, request: FastifyRequest): boolean {
  if (ignoreRoutes.size === 0) return false
  const route = request.routeOptions.url
  if (route !== undefined && ignoreRoutes.has(route)) return true
  const query = request.url.indexOf('?')
  return ignoreRoutes.has(query < 0 ? request.url : request.url.slice(0, query))
}

/** Runs one of the plugin's own steps so that whatever it throws is logged and never reaches the app. */
function guarded (inst: Instrumentation, where: string, step: () => void): void {
  try {
    step()
  } catch (err) {
    inst.fail(err, where)
  }
}

function addHooks (app: FastifyInstance, inst: Instrumentation): void {
  const { options } = inst

  app.addHook('onRequest', function apitoolkitOnRequest (request: FastifyRequest, reply: FastifyReply, done: Done) {
    let started: RequestTrace | undefined
    // try/catch in place rather than guarded(): no closure per request on the two hooks every request runs.
    try {
      if (!isIgnored(options.ignoreRoutes, request)) started = startTrace(inst, request, reply)
    } catch (err) {
      inst.fail(err, 'starting the span')
    }
    markTraced(request.raw)
    if (started === undefined) {
      request.apitoolkit = UNTRACED
      return done()
    }
    request.apitoolkit = started
    // Hooks and a body-less handler run from done(), so they see the span as the active one.
    context.with(started.context, done)
  })

  if (options.captureRequestBody) {
    // Before validation, which may coerce or strip fields, and before the handler can change the body.
    app.addHook('preValidation', function apitoolkitPreValidation (request: FastifyRequest, _reply: FastifyReply, done: Done) {
      const t = traceOf(request)
      if (t !== undefined) guarded(inst, 'capturing the request body', () => { t.captureRequestBody(request.body, request.headers['content-length']) })
      done()
    })
  }

  if (options.captureResponseBody) {
    if (!options.responsePlan.empty) {
      app.addHook('preSerialization', function apitoolkitPreSerialization (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) {
        const t = traceOf(request)
        if (t !== undefined) guarded(inst, 'redacting the response body', () => { t.redactPayload(redactValue(options.responsePlan, payload), payload) })
        done(null, payload)
      })
    }
    app.addHook('onSend', function apitoolkitOnSend (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) {
      const t = traceOf(request)
      if (t !== undefined) t.keepResponsePayload(payload)
      done(null, payload)
    })
  }

  app.addHook('onError', function apitoolkitOnError (request: FastifyRequest, _reply: FastifyReply, error: Error, done: Done) {
    const t = traceOf(request)
    if (t !== undefined) guarded(inst, 'recording an error', () => { t.reportError(error) })
    done()
  })

  app.addHook('onResponse', function apitoolkitOnResponse (request: FastifyRequest, _reply: FastifyReply, done: Done) {
    const t = traceOf(request)
    if (t !== undefined) {
      try {
        t.finish()
      } catch (err) {
        inst.fail(err, 'ending the span')
      }
    }
    done()
  })

  app.addHook('onRequestAbort', function apitoolkitOnRequestAbort (request: FastifyRequest, done: Done) {
    const t = traceOf(request)
    if (t !== undefined) guarded(inst, 'ending the span of an aborted request', () => { t.endWithoutResponse('request aborted by the client') })
    done()
  })

  // Sockets only time out with a connectionTimeout; the hook costs a listener per request, so only then.
  if ((app.initialConfig.connectionTimeout ?? 0) > 0) {
    app.addHook('onTimeout', function apitoolkitOnTimeout (request: FastifyRequest, _reply: FastifyReply, done: Done) {
      const t = traceOf(request)
      if (t !== undefined) guarded(inst, 'ending the span of a timed-out request', () => { t.endWithoutResponse('connection timed out') })
      done()
    })
  }

  // A handler that runs after the body was read is called from the socket's context, not ours: restore it.
  app.addHook('onRoute', function apitoolkitOnRoute (route: RouteOptions) {
    const handler = route.handler
    route.handler = function apitoolkitHandler (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const t = traceOf(request)
      // A handler called straight from onRequest's done() (no body to read) already runs in the span's context.
      return t === undefined || context.active() === t.context
        ? handler.call(this, request, reply)
        : context.with(t.context, handler, this, request, reply)
    }
  })
}

async function apitoolkitPlugin (app: FastifyInstance, rawOptions: ApitoolkitOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  if (app.hasRequestDecorator('apitoolkit')) {
    // A second registration would add every hook twice: two spans per request.
    throw new ApitoolkitOptionsError('the plugin is already registered on this app or a parent of it; register it once, at the root')
  }
  const pipeline = createPipeline(options, app.log)
  const inst = createInstrumentation(options, pipeline, app.log)
  // Null on the prototype, set per request: the shape Fastify keeps fast.
  app.decorateRequest('apitoolkit', null as unknown as ApitoolkitRequest)
  addHooks(app, inst)
  const stopWatching = watchUnrouted(app.server, inst)
  const stopMonitor = options.monitorOutgoing ? startOutgoingMonitor() : undefined
  // Runs after the server stopped taking requests and those in flight ended, so their spans are in.
  app.addHook('onClose', async () => {
    stopWatching()
    stopMonitor?.()
    await pipeline.close()
  })
}

export const plugin = fp(apitoolkitPlugin, { fastify: '5.x', name: 'apitoolkit-fastify' })
