// `npm run example [-- --once]`: starts the local collector and the instrumented example API, sends sample
// traffic and shows what the collector received. With --once it stops after the traffic and exits 0.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const CLI = join(__dirname, '..', 'lib', 'cli', 'main.js')
const SERVER = join(__dirname, 'server.js')

/** Starts a child and resolves with the first match of `ready` in its output. */
function startChild (args: string[], env: NodeJS.ProcessEnv, ready: RegExp, from: 'stdout' | 'stderr'): Promise<{ child: ChildProcess, match: RegExpExecArray }> {
  // Its own process group: Ctrl-C reaches only this runner, which stops the server first (flushing its
  // spans) and the collector after, rather than both at once.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  process.once('exit', () => { if (child.exitCode === null) child.kill('SIGKILL') })
  return new Promise((resolve, reject) => {
    let seen = ''
    const watch = (chunk: Buffer): void => {
      seen += chunk.toString()
      const match = ready.exec(seen)
      if (match !== null) {
        child[from]?.off('data', watch)
        resolve({ child, match })
      }
    }
    child[from]?.on('data', watch)
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready:\n${seen}`)))
  })
}

function exited (child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()))
}

async function sampleTraffic (base: string): Promise<void> {
  const json = { 'content-type': 'application/json' }
  const requests: Array<[string, RequestInit]> = [
    ['/users/1', { headers: { 'x-api-key': 'my-secret-api-key' } }],
    ['/users/2', {}],
    ['/login', { method: 'POST', headers: { ...json, authorization: 'Bearer abc' }, body: JSON.stringify({ email: 'john@example.com', password: 'hunter2' }) }],
    ['/login', { method: 'POST', headers: json, body: JSON.stringify({ email: 'john@example.com' }) }],
    ['/orders/42', { method: 'POST', headers: json, body: JSON.stringify({ qty: 1, card: { number: '0111222233334444' } }) }],
    ['/crash', {}]
  ]
  for (const [path, init] of requests) {
    const res = await fetch(base + path, init)
    await res.arrayBuffer()
    process.stdout.write(`sent ${init.method ?? 'GET'} ${path} -> ${res.status}\n`)
  }
}

async function main (): Promise<void> {
  const once = process.argv.includes('--once')
  const collector = await startChild([CLI, 'collector', '--port', '0'], process.env, /listening on ([\d.]+:\d+)/, 'stderr')
  collector.child.stdout?.pipe(process.stdout)
  collector.child.stderr?.pipe(process.stderr)
  const endpoint = `http://${collector.match[1]}`
  const server = await startChild([SERVER], { ...process.env, PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '500' }, /listening on (\S+)/, 'stdout')
  server.child.stderr?.pipe(process.stderr)
  const base = server.match[1]
  process.stdout.write(`example API on ${base}, collector on ${endpoint}\n\n`)
  await sampleTraffic(base)
  if (!once) {
    process.stdout.write(`\ntry: curl ${base}/users/1   (Ctrl-C stops)\n`)
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  }
  // Closing the server flushes its spans; then the collector prints what is left and stops.
  server.child.kill('SIGTERM')
  await exited(server.child)
  await new Promise((resolve) => setTimeout(resolve, 300))
  collector.child.kill('SIGTERM')
  await exited(collector.child)
}

main().catch((err: unknown) => {
  process.stderr.write(`example failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
