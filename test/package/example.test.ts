// The README's first command: the example API, instrumented, against the local collector, whose readable
// output is one block per request with its outgoing calls nested under it.
import { test } from 'tap'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { PACKAGE } from '../../lib/package-info'

const RUN = join(__dirname, '..', '..', 'dist', 'example-server', 'run.js')

// Never the caller's collector or key: the example picks its own endpoint, and the key it falls back to.
const ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(OTEL_|APITOOLKIT_)/.test(name)))

const HEADLINE = /^[A-Z]+ \S+ → \d+ in \d+(\.\d+)? ms/
const MS = String.raw`\d+(?:\.\d+)? ms`
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The request blocks of the collector's output: from a headline to the blank line that ends it. */
function requestBlocks (stdout: string): string[] {
  const blocks: string[] = []
  let current: string[] | undefined
  for (const line of stdout.split('\n')) {
    if (current === undefined) {
      if (HEADLINE.test(line)) current = [line]
    } else if (line === '') {
      blocks.push(current.join('\n'))
      current = undefined
    } else {
      current.push(line)
    }
  }
  if (current !== undefined) blocks.push(current.join('\n'))
  return blocks
}

test('npm run example -- --once: one readable block per request, as the collector received it, then exit 0', async (t) => {
  const child = spawn(process.execPath, [RUN, '--once'], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, 'exits 0') || t.comment(`${stdout}\n${stderr}`)

  const blocks = requestBlocks(stdout)
  const service = '  [example-orders-api]'
  const expected: Array<[string, string, string]> = [
    ['/users/1', 'GET /users/:id → 200', service],
    ['/users/2', 'GET /users/:id → 404', service],
    ['/login (200)', 'POST /login → 200', service],
    ['/login (400)', 'POST /login → 400', service],
    ['/orders/42', 'POST /orders/:id → 200', service],
    ['/crash', 'GET /crash → 500', `${service}  [span status ERROR: something broke]`]
  ]
  t.equal(blocks.length, expected.length, 'one block per request sent')
  const found: Record<string, string> = {}
  for (const [name, start, end] of expected) {
    const headline = new RegExp(`^${escape(start)} in ${MS}${escape(end)}$`)
    const matching = blocks.filter((b) => headline.test(b.split('\n')[0]))
    t.equal(matching.length, 1, `${name}: one block headed "${start} in … ms${end}"`)
    found[name] = matching[0] ?? ''
  }

  const version = escape(PACKAGE.version)
  for (const [name] of expected) {
    const block = found[name]
    t.match(block, new RegExp(`\n  msg_id: [0-9a-f-]{36}  trace: [0-9a-f]{32}\n  span: [0-9a-f]{16} SERVER  parent: \\(root\\)  sampled\n`), `${name}: ids, kind and parent`)
    t.match(block, new RegExp(`\n  sent by: sdk apitoolkit-fastify ${version} \\(nodejs\\), scope apitoolkit-fastify ${version}, at-project-key …-key\n`),
      `${name}: who sent it, the project key masked`)
    t.match(block, /\n {2}service version: 1\.0\.0 {2}tags: example\n/, `${name}: service version and tags`)
  }

  t.match(found['/users/1'], /\n {2}target: \/users\/1\n {2}host: 127\.0\.0\.1\n {2}path params: \{"id":"1"\}\n/, 'target, host and path params')
  t.match(found['/users/1'], /\n {4}x-api-key: \[CLIENT_REDACTED\]\n/, 'a redacted header is marked')
  t.match(found['/users/1'], /\n {2}response body:\n(?: {4}.*\n)*? {6}"email": "\[CLIENT_REDACTED\]",\n(?: {4}.*\n)*? {10}"zip": "\[CLIENT_REDACTED\]"\n/, 'redacted response fields are marked')
  t.match(found['/users/2'], /\n {2}response body:\n {4}\{\n {6}"error": "no such user"\n {4}\}$/, 'a body with nothing to redact, as sent')
  t.notMatch(found['/users/2'], /errors \(/, 'a 404 the handler answered has no error')
  t.match(found['/login (200)'], /\n {4}authorization: \[CLIENT_REDACTED\]\n/, 'the Authorization header is redacted by default')
  t.match(found['/login (200)'], /\n {2}request body:\n {4}\{\n {6}"email": "john@example\.com",\n {6}"password": "\[CLIENT_REDACTED\]"\n {4}\}\n/, 'a redacted request field is marked')
  t.match(found['/login (200)'], /\n {2}response body:\n {4}\{\n {6}"token": "\[CLIENT_REDACTED\]",\n {6}"expiresIn": 3600\n {4}\}$/, 'a redacted response field is marked')
  t.match(found['/login (400)'], new RegExp(`\n {2}errors \\(1\\):\n {4}Error: body must have required property 'password' {2}\\(at \\+${MS}\\)\n`), 'a validation failure is an error of its span')
  t.match(found['/orders/42'], /\n {6}"card": \{\n {8}"number": "\[CLIENT_REDACTED\]"\n/, 'a nested redacted field is marked')
  t.match(found['/orders/42'], new RegExp(`\n {2}errors \\(1\\):\n {4}PaymentDeclined: card declined {2}\\(at \\+${MS}\\)\n(?: {6}at .*\n)+(?: {6}… \\d+ more frames?\n)? {6}Caused by: Error: insufficient funds\n`),
    'a reported error with its first frames and its cause')
  t.match(found['/crash'], new RegExp(`\n {2}errors \\(1\\):\n {4}Error: something broke {2}\\(at \\+${MS}\\)\n(?: {6}at .*\n)+(?: {6}… \\d+ more frames?\n)? {6}Caused by: TypeError: undefined is not a function$`),
    'a thrown error with its cause, last in its block')

  const orders = found['/orders/42']
  const trace = /trace: ([0-9a-f]{32})/.exec(orders)?.[1] ?? 'no trace id'
  const outgoing = new RegExp(`\n {2}outgoing calls \\(2\\):\n {4}GET 127\\.0\\.0\\.1:\\d+/items/:id → 200 in ${MS}\n {6}target: /items/42\\?warehouse=eu\n {6}request headers:\n {8}traceparent: 00-${trace}-[0-9a-f]{16}-01\n`)
  t.match(orders, outgoing, 'outgoing calls nested under their request, each with a traceparent of its trace')
  t.match(orders, new RegExp(`\n {4}GET 127\\.0\\.0\\.1:\\d+/prices/:id → 200 in ${MS}\n {6}target: /prices/42\n {6}request headers:\n {8}traceparent: 00-${trace}-[0-9a-f]{16}-01\n`), 'the observeRequest call too')
  t.match(orders, /\n {6}response body:\n {8}\{\n {10}"id": "42",\n {10}"inStock": 7\n {8}\}\n/, "an outgoing call's response body")

  const all = stdout + stderr
  for (const secret of ['hunter2', 'my-secret-api-key', 'session-token-abc', 'Bearer abc', '0111222233334444', 'john.martha@example.com', '100001', 'example-project-key']) {
    t.notOk(all.includes(secret), `${secret} does not reach the collector's output`)
  }
})
