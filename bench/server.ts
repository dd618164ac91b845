// One benchmark server: one variant per process, so variants cannot share JIT state, heap or
// instrumentation patches. Started by the runner through server-process.ts (ready, stats and stop go
// over IPC), or by hand for profiling, with a sink (sink-main.ts) or without:
//   node --cpu-prof dist/bench/server.js --variant plugin-full [--collector http://127.0.0.1:PORT] [--port 3000]
// (Ctrl-C writes the profile.) Only Node's own modules and the bench's small ones are imported here:
// tracing must be set up before Fastify loads (see tracing.ts).
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { number, variantName } from './args'
import { UNREACHABLE_COLLECTOR, type RunnerMessage, type ServerMessage, type ServerStats, type Variant } from './protocol'
import { failChild, sendToRunner } from './to-runner'
import { checkTracing, setUpTracing } from './tracing'

/** How long a graceful close (which flushes spans) may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000

interface ServerConfig {
  variant: Variant
  /** OTLP/gRPC endpoint of every exporter in the process. */
  collector: string
  port: number
}

function readConfig (): ServerConfig {
  const { values } = parseArgs({
    options: {
      variant: { type: 'string', default: 'bare' },
      collector: { type: 'string', default: UNREACHABLE_COLLECTOR },
      port: { type: 'string', default: '0' }
    }
  })
  return {
    variant: variantName('variant', values.variant),
    collector: values.collector,
    port: number('port', values.port, 0, 0)
  }
}

function stats (): ServerStats {
  const { rss, heapUsed } = process.memoryUsage()
  return { rssBytes: rss, heapUsedBytes: heapUsed }
}

/** Closes the app (the plugin flushes in onClose), then the global provider, which flushes too. */
async function stop (app: FastifyInstance, provider: NodeTracerProvider | undefined): Promise<never> {
  const timeout = new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())
  await Promise.race([app.close().then(() => provider?.shutdown()), timeout])
  // A normal exit, not a signal: --cpu-prof writes its profile only then.
  process.exit(0)
}

async function main (): Promise<void> {
  const config = readConfig()
  const provider = await setUpTracing(config.variant, config.collector)
  const { startApp } = await import('./app')
  const app = await startApp(config.variant, config.collector, provider, config.port)
  checkTracing(config.variant, app.server)
  const { port } = app.server.address() as { port: number }

  process.once('SIGINT', () => { void stop(app, provider) })
  process.once('SIGTERM', () => { void stop(app, provider) })
  if (process.send === undefined) {
    console.log(`bench server (${config.variant}, collector ${config.collector}) on http://127.0.0.1:${port}`)
    return
  }
  // Orphaned by a crashed runner: do not keep the port and a core busy.
  process.once('disconnect', () => { void stop(app, provider) })
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'stop') void stop(app, provider)
    else sendToRunner<ServerMessage>({ type: 'stats', ...stats() })
  })
  sendToRunner<ServerMessage>({ type: 'ready', port })
}

main().catch(failChild)
