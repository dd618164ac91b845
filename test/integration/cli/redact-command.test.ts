// `apitoolkit-fastify redact`: in-process with in-memory streams for every case, plus one run of the
// built command (dist/, built by `npm test`'s pretest) to prove the dispatch and exit codes are real.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { PassThrough } from 'node:stream'
import { runRedactCli } from '../../../lib/cli/redact-command'

interface Run { code: number, stdout: string, stderr: string }

function collect (stream: PassThrough): () => string {
  const chunks: Buffer[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk))
  return () => Buffer.concat(chunks).toString('utf8')
}

/** Runs the command in-process; `stdin` undefined leaves standard input open forever. */
async function run (argv: string[], stdin?: string): Promise<Run> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }
  const stdout = collect(io.stdout)
  const stderr = collect(io.stderr)
  if (stdin !== undefined) io.stdin.end(stdin)
  const code = await runRedactCli(argv, io)
  return { code, stdout: stdout(), stderr: stderr() }
}

const USER = JSON.stringify({
  user: {
    name: 'John Martha',
    email: 'john.martha@example.com',
    addresses: [{ city: 'Lagos', zip: '100001' }, { city: 'Abuja', zip: '900001' }]
  }
})

const REDACTED_USER = `{
  "user": {
    "name": "John Martha",
    "email": "[CLIENT_REDACTED]",
    "addresses": [
      {
        "city": "Lagos",
        "zip": "[CLIENT_REDACTED]"
      },
      {
        "city": "Abuja",
        "zip": "[CLIENT_REDACTED]"
      }
    ]
  }
}
`

t.test('standard input in, redacted JSON out, 2-space indented', async (t) => {
  const r = await run(['--path', '$.user.email', '--path', '$.user.addresses[*].zip'], USER)
  t.equal(r.code, 0)
  t.equal(r.stdout, REDACTED_USER)
  t.equal(r.stderr, '')
  const forms = await run(['-p', 'user.email', '--path=$.user.addresses[*].zip', '-'], USER)
  t.equal(forms.stdout, REDACTED_USER, '-p, --path= and "-" for standard input')
})

t.test('a file in; a byte order mark is tolerated; nothing matched prints the document as is', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'redact-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'user.json')
  await writeFile(file, '\uFEFF' + USER)
  const r = await run(['--path', '$.user.email', file, '--path', '$.user.addresses[*].zip'])
  t.equal(r.code, 0)
  t.equal(r.stdout, REDACTED_USER)
  const none = await run(['--path', '$.nobody'], '{"a":[1,2]}')
  t.equal(none.stdout, '{\n  "a": [\n    1,\n    2\n  ]\n}\n')
  const missing = await run(['--path', '$.a', path.join(dir, 'missing.json')])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /cannot read .*missing\.json/)
})

t.test('a bad path: exit 2, the path and position on stderr, nothing on stdout, input never read', async (t) => {
  // stdin is left open: waiting for it would hang this test.
  const r = await run(['--path', '$.ok', '--path', '$.user['])
  t.equal(r.code, 2)
  t.equal(r.stdout, '')
  t.match(r.stderr, 'invalid JSONPath "$.user[" at character 7')
  const filter = await run(['--path', '$.users[?(@.admin)]'])
  t.equal(filter.code, 2)
  t.match(filter.stderr, /filter expressions are not supported/)
})

t.test('bad JSON: exit 2 and a clear message', async (t) => {
  for (const input of ['{"user": ', 'not json', '']) {
    const r = await run(['--path', '$.a'], input)
    t.equal(r.code, 2, JSON.stringify(input))
    t.equal(r.stdout, '')
    t.match(r.stderr, /^apitoolkit-fastify redact: standard input is not JSON: /)
  }
})

t.test('usage errors: exit 2 with the usage; --help: exit 0', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /at least one --path is required/],
    [['--path'], /--path needs a JSONPath/],
    [['--paths', '$.a'], /unknown option --paths/],
    [['--path', '$.a', 'one.json', 'two.json'], /one input file at most/]
  ]
  for (const [argv, message] of cases) {
    const r = await run(argv, '{}')
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /usage: apitoolkit-fastify redact/)
  }
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /usage: apitoolkit-fastify redact --path/)
})

t.test('arguments: what follows --path is its value, -- ends the options, unknown forms are refused', async (t) => {
  const dashed = await run(['--path', '-x'], '{}')
  t.equal(dashed.code, 2)
  t.match(dashed.stderr, /invalid JSONPath "-x"/, 'taken as the path, not as an option')
  t.notMatch(dashed.stderr, /usage:/)
  const ended = await run(['--path', '$.a', '--', '--help'])
  t.equal(ended.code, 2)
  t.match(ended.stderr, /cannot read --help/, 'after --, an argument is the input file')
  const refused: Array<[string[], string]> = [[['--help=yes'], 'unknown option --help=yes'], [['-hx'], 'unknown option -hx']]
  for (const [argv, message] of refused) {
    const r = await run(argv, '{}')
    t.equal(r.code, 2, argv.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /usage: apitoolkit-fastify redact/)
  }
  const attached = await run(['-p$.user.email', '--path', 'user.addresses[*].zip'], USER)
  t.equal(attached.stdout, REDACTED_USER, '-p with its value attached')
})

t.test('too deep to print: exit 2 rather than a crash', async (t) => {
  const r = await run(['--path', '$..x'], '['.repeat(20000) + ']'.repeat(20000))
  t.equal(r.code, 2)
  t.match(r.stderr, /nested too deeply/)
})

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'lib', 'cli', 'main.js')

t.test('the built command redacts standard input and exits 2 for a bad path or bad JSON', async (t) => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`)
  const ok = spawnSync(process.execPath, [CLI, 'redact', '--path', '$.user.email', '--path', '$.user.addresses[*].zip'], { input: USER, encoding: 'utf8' })
  t.equal(ok.status, 0, ok.stderr)
  t.equal(ok.stdout, REDACTED_USER)
  const bad = spawnSync(process.execPath, [CLI, 'redact', '--path', '$.a['], { input: '{}', encoding: 'utf8' })
  t.equal(bad.status, 2)
  t.match(bad.stderr, 'invalid JSONPath "$.a[" at character 4')
  const notJson = spawnSync(process.execPath, [CLI, 'redact', '--path', '$.a'], { input: '{', encoding: 'utf8' })
  t.equal(notJson.status, 2)
  t.match(notJson.stderr, /not JSON/)
})
