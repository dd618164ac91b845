import { context, createContextKey, type Context } from '@opentelemetry/api'
import { isTracingSuppressed, suppressTracing } from '@opentelemetry/core'
import type { PluginState } from '../request/plugin-state'
import type { ApitoolkitSpan, SpanSink } from '../span/apitoolkit-span'

/** What an outgoing call needs of the request it is made for. */
export interface OutgoingParent {
  readonly span: ApitoolkitSpan
  readonly plugin: PluginState
  /** The request's active context, when the plugin makes one active. */
  readonly context: Context | undefined
  /** Where its outgoing spans go: they follow the request's sampling decision. */
  readonly outgoingSink: SpanSink
}

/** Lets code that only has the active context (the outgoing monitors) find the request being served. */
export const OUTGOING_PARENT_KEY = createContextKey('apitoolkit-fastify outgoing parent')

/** Set in the context an `observe` or `observeAxios` call runs in, so the monitors do not record it a second time. */
export const OBSERVED_CALL = createContextKey('apitoolkit-fastify observed call')

function parentInContext (ctx: Context): OutgoingParent | undefined {
  return ctx.getValue(OUTGOING_PARENT_KEY) as OutgoingParent | undefined
}

/**
 * The context a wrapped call (observe, observeAxios) runs its client in: marked so the monitors skip it,
 * and with tracing suppressed so another instrumentation neither records the call again nor adds a
 * second traceparent.
 */
export function observedCallContext (parent: OutgoingParent): Context {
  return suppressTracing(parent.context ?? context.active()).setValue(OBSERVED_CALL, true)
}

/** The request a monitored call is made for; undefined when the call is not to be recorded. */
export function recordingParent (active: Context): OutgoingParent | undefined {
  // Exporters suppress tracing while they send; observed calls already have their span.
  if (isTracingSuppressed(active) || active.getValue(OBSERVED_CALL) !== undefined) return undefined
  const parent = parentInContext(active)
  // Another app's plugin may have the monitor off: the monitors are per process.
  return parent?.plugin.options.monitorOutgoing === true ? parent : undefined
}
