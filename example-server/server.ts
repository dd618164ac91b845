// The example API as its own process: `node dist/example-server/server.js` with OTEL_EXPORTER_OTLP_ENDPOINT
// set. Prints `listening on URL` when ready; SIGTERM/SIGINT close it gracefully, flushing every span.
import { buildApp } from './app'
import { startUpstream } from './upstream'

async function main (): Promise<void> {
  const upstream = await startUpstream()
  const app = await buildApp({ stockUrl: upstream.url })
  const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
  process.stdout.write(`listening on ${url}\n`)
  const stop = (): void => {
    app.close().then(() => upstream.server.close(), () => upstream.server.close())
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`example server failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
