// The built command, `node dist/lib/cli/main.js collector`, as a user runs it: spans arrive over real
// OTLP/gRPC, output is read from its stdout or --out file, and it is stopped with signals.
// (`npm test` builds dist/ first.)
import t from 'tap'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { SpanStatusCode } from '@opentelemetry/api'
import { PassThrough } from 'node:stream'
import { runCollectorCli } from '../../../lib/cli/collector-command'
import { ATTR, EXCEPTION_EVENT, SPAN_NAME } from '../../../lib/span/names'
import { addException, b64, directProvider, startIncoming, startOutgoing } from '../../helpers/otlp-sender'
import type { Teardown } from '../../helpers/teardown'

/** The part of a tap test the helpers need. */

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'lib', 'cli', 'main.js')
const WAIT_MS = 10_000

interface Cli {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

function runCli (t: Teardown, args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, 'collector', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, stdout: () => out, stderr: () => err, exit }
}

/** Polls until `check` returns a value, or fails with what the CLI printed so far. */
async function until<T> (what: string, cli: Cli, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline || cli.child.exitCode !== null) {
      throw new Error(`${what} did not happen; stdout: ${cli.stdout()} stderr: ${cli.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function listeningPort (cli: Cli): Promise<number> {
  const match = await until('listening', cli, () => /collector listening on 127\.0\.0\.1:(\d+)\n/.exec(cli.stderr()) ?? undefined)
  return Number(match[1])
}

function listen (port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

async function freePort (): Promise<number> {
  const server = await listen()
  const port = (server.address() as net.AddressInfo).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Exports an incoming APItoolkit span, its outgoing call, and an unrelated span, in that order of ending. */
async function sendSpans (t: Teardown, port: number): Promise<void> {
  const provider = directProvider(t, `http://127.0.0.1:${port}`, { 'service.name': 'cli-api', 'at-project-key': 'pk_0123456789abcdef' })
  const tracer = provider.getTracer('apitoolkit-fastify')
  const request = startIncoming(tracer, 'cli-1', {
    [ATTR.method]: 'POST',
    [ATTR.route]: '/users/:id',
    [ATTR.target]: '/users/9',
    [ATTR.status]: 500,
    [ATTR.requestBody]: b64('{"password":"[CLIENT_REDACTED]"}'),
    'http.response.header.content-type': 'application/json'
  })
  startOutgoing(tracer, request, 'cli-1', {
    [ATTR.method]: 'GET',
    [ATTR.hostName]: 'upstream.test',
    [ATTR.route]: '/stock',
    [ATTR.target]: '/stock?sku=1',
    [ATTR.status]: 200
  }).end([1700000000, 3_000_000])
  addException(request, 'Error', 'save failed', 'Error: save failed\n    at save (/app/users.js:1:1)\nCaused by: Error: disk full', [1700000000, 5_000_000])
  request.setStatus({ code: SpanStatusCode.ERROR, message: 'save failed' })
  request.end([1700000000, 8_000_000])
  tracer.startSpan('unrelated', { startTime: [1700000000, 0] }).end([1700000000, 1_000_000])
  await provider.forceFlush()
}

t.before(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`)
})

t.test('--json prints one parseable line per span, events and status message included; SIGINT stops it with 0', async (t) => {
  const port = await freePort()
  const cli = runCli(t, ['--port', String(port), '--json'])
  t.equal(await listeningPort(cli), port)
  t.equal(cli.stderr(), `collector listening on 127.0.0.1:${port}\n`)
  await sendSpans(t, port)
  const lines = await until('3 lines', cli, () => {
    const l = cli.stdout().split('\n').filter((line) => line !== '')
    return l.length >= 3 ? l : undefined
  })
  const spans = lines.map((line) => JSON.parse(line))
  t.same(spans.map((s) => s.attributes['apitoolkit.sdk_type'] ?? s.name), ['JsOutgoing', 'JsFastify', 'unrelated'])
  const request = spans[1]
  t.equal(request.kind, 2)
  t.equal(request.attributes['http.route'], '/users/:id')
  t.equal(request.requestBody, '{"password":"[CLIENT_REDACTED]"}')
  t.equal(request.startTimeUnixNano, '1700000000000000000')
  t.equal(request.resource['service.name'], 'cli-api')
  t.equal(request.resource['at-project-key'], '…cdef', 'the project key is masked')
  t.same(request.status, { code: 2, message: 'save failed' })
  t.same(request.events.map((e: { name: string, timeUnixNano: string }) => [e.name, e.timeUnixNano]), [[EXCEPTION_EVENT, '1700000000005000000']])
  t.equal(request.events[0].attributes['exception.message'], 'save failed')
  t.equal(spans[0].parentSpanId, request.spanId)
  cli.child.kill('SIGINT')
  t.same(await cli.exit, { code: 0, signal: null })
  t.equal(lines.length, 3, 'no extra output')
})

t.test('readable output: one block per request, the outgoing call nested; SIGTERM stops it with 0', async (t) => {
  const cli = runCli(t, ['--port', '0'])
  const port = await listeningPort(cli)
  await sendSpans(t, port)
  const text = await until('the block', cli, () => cli.stdout().includes('span unrelated') ? cli.stdout() : undefined)
  t.match(text, /^POST \/users\/:id → 500 in 8\.00 ms {2}\[cli-api\] {2}\[span status ERROR: save failed\]\n {2}target: \/users\/9\n/)
  t.match(text, '\n  request body:\n    {\n      "password": "[CLIENT_REDACTED]"\n    }\n')
  t.match(text, '\n  response headers:\n    content-type: application/json\n')
  t.match(text, '\n  response body: (not captured)\n')
  t.match(text, '\n  errors (1):\n    Error: save failed  (at +5.00 ms)\n      at save (/app/users.js:1:1)\n      Caused by: Error: disk full\n')
  t.match(text, '\n  outgoing calls (1):\n    GET upstream.test/stock → 200 in 2.00 ms\n      target: /stock?sku=1\n')
  t.notMatch(text, '0123456789', 'the project key is never printed')
  t.match(text, /\nspan unrelated \(INTERNAL\) 1\.00 ms {2}\[cli-api\]/)
  cli.child.kill('SIGTERM')
  t.same(await cli.exit, { code: 0, signal: null })
})

t.test('an outgoing call still waiting for its request is printed when the collector stops', async (t) => {
  const cli = runCli(t, ['--port', '0'])
  const port = await listeningPort(cli)
  const provider = directProvider(t, `http://127.0.0.1:${port}`)
  const tracer = provider.getTracer('x')
  // Its request span is never ended, so never sent.
  startOutgoing(tracer, startIncoming(tracer, 'never', {}), 'never', { [ATTR.method]: 'GET', [ATTR.hostName]: 'h', [ATTR.route]: '/t', [ATTR.target]: '/t?x=1' }).end()
  await provider.forceFlush()
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(cli.stdout(), '', 'held back while its request may still come')
  cli.child.kill('SIGINT')
  t.same(await cli.exit, { code: 0, signal: null })
  t.match(cli.stdout(), /^outgoing call GET h\/t → {2}in .*\(its request span was not received\)\n {2}parent msg_id: never .*\n {2}target: \/t\?x=1\n/)
})

t.test('a port already taken: exit code 2 and a clear message', async (t) => {
  const blocker = await listen()
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const cli = runCli(t, ['--port', String(port)])
  t.same(await cli.exit, { code: 2, signal: null })
  t.equal(cli.stderr(), `apitoolkit-fastify collector: port ${port} on 127.0.0.1 is already in use; stop whatever listens there or choose another --port\n`)
  t.equal(cli.stdout(), '')
})

t.test('--out FILE appends the lines there, not to stdout', async (t) => {
  const dir = t.testdir({ 'spans.jsonl': 'earlier line\n' })
  const file = path.join(dir, 'spans.jsonl')
  const cli = runCli(t, ['--json', '--out', file, '--port', '0'])
  const port = await listeningPort(cli)
  await until('the --out notice', cli, () => cli.stderr().includes(`writing spans to ${file}\n`) || undefined)
  await sendSpans(t, port)
  const lines = await until('3 lines in the file', cli, () => {
    const l = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')
    return l.length >= 4 ? l : undefined
  })
  t.equal(lines[0], 'earlier line', 'appended, not truncated')
  t.same(lines.slice(1).map((line) => JSON.parse(line).name), [SPAN_NAME, SPAN_NAME, 'unrelated'])
  t.equal(cli.stdout(), '')
  cli.child.kill('SIGTERM')
  t.same(await cli.exit, { code: 0, signal: null })
})

t.test('bad flags print the usage and exit 2; --help exits 0', async (t) => {
  const bad = [['--bogus'], ['--port', 'abc'], ['--port', '70000'], ['extra'], ['--out']]
  const runs = bad.map((args) => ({ args, cli: runCli(t, args) }))
  for (const { args, cli } of runs) {
    t.same(await cli.exit, { code: 2, signal: null }, args.join(' '))
    t.match(cli.stderr(), /^apitoolkit-fastify collector: .+\nusage: apitoolkit-fastify collector \[--port 4317\]/, args.join(' '))
  }
  const unwritable = runCli(t, ['--out', path.join(t.testdir(), 'no', 'such', 'dir', 'f')])
  t.same(await unwritable.exit, { code: 2, signal: null })
  t.match(unwritable.stderr(), /cannot open --out file: ENOENT/)
  const help = runCli(t, ['--help'])
  t.same(await help.exit, { code: 0, signal: null })
  t.match(help.stdout(), /^usage: apitoolkit-fastify collector/)
})

t.test('runCollectorCli in-process: given streams, stopped by an AbortSignal, leaves no signal handlers', async (t) => {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (c: Buffer) => { out += c.toString() })
  stderr.on('data', (c: Buffer) => { err += c.toString() })
  const stop = new AbortController()
  const sigintListeners = process.listenerCount('SIGINT')
  const running = runCollectorCli(['--port', '0', '--json'], { stdout, stderr, signal: stop.signal })
  const fake = { child: { exitCode: null }, stdout: () => out, stderr: () => err } as unknown as Cli
  const port = await listeningPort(fake)
  await sendSpans(t, port)
  await until('3 lines', fake, () => out.split('\n').filter((l) => l !== '').length >= 3 || undefined)
  stop.abort()
  t.equal(await running, 0)
  t.equal(process.listenerCount('SIGINT'), sigintListeners)
  t.same(out.trim().split('\n').map((l) => JSON.parse(l).name), [SPAN_NAME, SPAN_NAME, 'unrelated'])
})
