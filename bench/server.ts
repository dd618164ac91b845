// One benchmark server: one variant per process, so variants cannot share JIT state, heap or
// instrumentation patches. Started by run.ts through child_process.fork (ready, stats and stop go
// over IPC), or by hand for profiling:
//   node --cpu-prof dist/bench/server.js --variant plugin-full [--port 3000]   (Ctrl-C writes the profile)
import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { errorMessage } from './errors'
import { installGlobalPipeline, type BenchPipeline } from './pipeline'
import {
  PIPELINES,
  VARIANTS,
  type Pipeline,
  type RunnerMessage,
  type ServerMessage,
  type ServerStats,
  type Variant
} from './protocol'
import { instrument } from './variants'
import { UPLOAD_PATH, USER_DOCUMENT } from './workload'

/** Fastify's default bodyLimit is exactly 1 MiB; the body-size section sends 1 MiB documents. */
const BODY_LIMIT = 2 * 1024 * 1024

/** How long a graceful close (which flushes spans) may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000

interface ServerConfig {
  variant: Variant
  pipeline: Pipeline
  port: number
}

function oneOf<T extends string> (name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`--${name} must be one of ${allowed.join(', ')}; got '${value}'`)
  }
  return value as T
}

function readConfig (): ServerConfig {
  const { values } = parseArgs({
    options: {
      variant: { type: 'string', default: 'bare' },
      pipeline: { type: 'string', default: 'global' },
      port: { type: 'string', default: '0' }
    }
  })
  return {
    variant: oneOf('variant', values.variant, VARIANTS),
    pipeline: oneOf('pipeline', values.pipeline, PIPELINES),
    port: Number(values.port)
  }
}

function addRoutes (app: FastifyInstance): void {
  app.get('/hello', async () => ({ hello: 'world' }))

  app.post<{ Params: { id: string }, Body: typeof USER_DOCUMENT }>('/users/:id', async (request) => ({
    id: request.params.id,
    ...request.body,
    status: 'active',
    createdAt: new Date().toISOString()
  }))

  // Large bodies in, a small answer out: the cost under test is reading and capturing the request.
  app.post<{ Body: { items?: unknown[] } }>(UPLOAD_PATH, async (request) => ({
    received: request.body.items?.length ?? 0
  }))
}

async function start (config: ServerConfig): Promise<{ app: FastifyInstance, pipeline?: BenchPipeline }> {
  // The global provider must exist before the instrumentation is registered (SPEC §7). Bare Fastify
  // gets none: it is the baseline without any tracing.
  const pipeline = config.pipeline === 'global' && config.variant !== 'bare' ? installGlobalPipeline() : undefined
  const app = Fastify({ bodyLimit: BODY_LIMIT })
  await instrument(app, config.variant, config.pipeline, pipeline?.provider)
  addRoutes(app)
  await app.listen({ host: '127.0.0.1', port: config.port })
  return { app, pipeline }
}

async function stats (pipeline: BenchPipeline | undefined): Promise<ServerStats> {
  await pipeline?.flush()
  const { rss, heapUsed } = process.memoryUsage()
  return { rssBytes: rss, heapUsedBytes: heapUsed, spansExported: pipeline?.spansExported() ?? null }
}

async function stop (app: FastifyInstance): Promise<never> {
  const timeout = new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())
  await Promise.race([app.close(), timeout])
  // A normal exit, not a signal: --cpu-prof writes its profile only then.
  process.exit(0)
}

function send (message: ServerMessage): void {
  process.send?.(message)
}

async function main (): Promise<void> {
  const config = readConfig()
  const { app, pipeline } = await start(config)
  const { port } = app.server.address() as { port: number }

  process.once('SIGINT', () => { void stop(app) })
  process.once('SIGTERM', () => { void stop(app) })
  if (process.send === undefined) {
    console.log(`bench server (${config.variant}, ${config.pipeline} pipeline) on http://127.0.0.1:${port}`)
    return
  }
  // Orphaned by a crashed runner: do not keep the port and a core busy.
  process.once('disconnect', () => { void stop(app) })
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'stop') void stop(app)
    else void stats(pipeline).then((s) => send({ type: 'stats', ...s }))
  })
  send({ type: 'ready', port })
}

main().catch((err: unknown) => {
  if (process.send === undefined) {
    console.error(err)
    process.exit(1)
  }
  // Exit only once the message is out, so the runner can say why this variant failed.
  process.send({ type: 'failed', message: errorMessage(err) } satisfies ServerMessage, () => process.exit(1))
})
