import { createContextKey, type Context } from '@opentelemetry/api'
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

/** Lets code that only has the active context (the outgoing monitor) find the request being served. */
export const OUTGOING_PARENT_KEY = createContextKey('apitoolkit-fastify outgoing parent')

export function parentInContext (ctx: Context): OutgoingParent | undefined {
  return ctx.getValue(OUTGOING_PARENT_KEY) as OutgoingParent | undefined
}
