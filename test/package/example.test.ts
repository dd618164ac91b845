// The README's first command: the example API, instrumented, against the local collector.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'

const RUN = join(__dirname, '..', 'dist', 'example-server', 'run.js')

test('npm run example -- --once: sample traffic, printed as the collector received it, then exit 0', async (t) => {
  const child = spawn(process.execPath, [RUN, '--once'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, out)
  for (const line of ['GET /users/:id → 200', 'GET /users/:id → 404', 'POST /login → 200', 'POST /login → 400', 'POST /orders/:id → 200', 'GET /crash → 500']) {
    t.ok(out.includes(line), `the collector printed ${line}`)
  }
  t.match(out, /"password": "\[CLIENT_REDACTED\]"/, 'a redacted request field is marked')
  t.match(out, /"token": "\[CLIENT_REDACTED\]"/, 'a redacted response field is marked')
  t.match(out, /x-api-key: \[CLIENT_REDACTED\]/, 'a redacted header is marked')
  t.match(out, /outgoing calls \(2\):\n\s+GET 127\.0\.0\.1:\d+\/items\/:id → 200 .*\n\s+target: \/items\/42\?warehouse=eu\n/, 'outgoing calls nested under their request')
  t.match(out, /PaymentDeclined: card declined {2}\(at \+.* ms\)\n(?:\s+(?:at |… ).*\n)*\s+Caused by: Error: insufficient funds\n/, 'a reported error with its cause')
  t.notOk(out.includes('hunter2') || out.includes('my-secret-api-key') || out.includes('session-token-abc'), 'no secret reached the collector')
})
