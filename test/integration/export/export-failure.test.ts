// A failure inside the export pipeline, which runs on its own timer, never reaches the app: the process
// keeps running, requests are served before and after it, app.close() resolves, and the failure is logged
// through Fastify's logger. Each case runs an app in a child process: a throw escaping the plugin's timer
// would be an uncaught exception, which ends a Node process.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'

interface Outcome {
  code: number | null
  stderr: string
  report: {
    before: Array<{ status: number, body: string }>
    after: Array<{ status: number, body: string }>
    closeError: string | null
    attempts: number
    lines: Array<{ level: number, msg: string, err?: { message?: string } }>
  } | undefined
}

async function runApp (mode: string): Promise<Outcome> {
  const child = spawn(process.execPath, [join(__dirname, '../../fixtures/export-failure-app.js')], {
    env: { ...process.env, EXPORT_FAILURE: mode, OTLP_ENDPOINT: 'http://127.0.0.1:1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const line = stdout.trim().split('\n').pop() ?? ''
  return { code, stderr, report: line === '' ? undefined : JSON.parse(line) as Outcome['report'] }
}

const served = Array.from({ length: 10 }, (_, n) => ({ status: 200, body: JSON.stringify({ n: String(n) }) }))

for (const [mode, message, what] of [
  ['finish', 'batch encoding exploded', 'encoding a batch for export throws'],
  ['send', 'transport exploded', 'the transport throws when sending a batch']
] as const) {
  test(`${what}: the process keeps running, requests are served, close resolves, the failure is logged`, async (t) => {
    const { code, stderr, report } = await runApp(mode)
    t.equal(code, 0, `the app's process did not die${stderr === '' ? '' : `; it wrote:\n${stderr}`}`)
    t.ok(report !== undefined, 'the app reported what happened')
    if (report === undefined) return
    t.ok(report.attempts >= 1, 'the failing step ran')
    t.same([...report.before, ...report.after], served, 'every request served, before and after the failure')
    t.equal(report.closeError, null, 'app.close() resolved')
    const logged = report.lines.filter((l) => l.level >= 40 && l.msg.startsWith('apitoolkit-fastify') && l.err?.message === message)
    t.ok(logged.length >= 1, 'the failure is logged through Fastify\'s logger, with its error')
  })
}
