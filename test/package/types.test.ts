// Runs the type tests of types/ (tsd) as part of `npm test`, and proves they can fail: the same tests run
// against a deliberately broken copy of the public types must report exactly the assertions that guard
// what was broken. Also compiles a user's options under exactOptionalPropertyTypes, which tsd cannot turn on.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { teardown, test } from 'tap'
import ts from 'typescript'

const ROOT = path.resolve(__dirname, '..', '..')
const TEST_FILE = path.join(ROOT, 'types', 'index.test-d.ts')

/** How tsd ended; `code` is null when it could not be started at all, with the reason in `output`. */
interface Run { code: number | null, output: string }

/** The tsd command line, as the project's devDependency installs it. */
function tsdCli (): string {
  let entry: string
  try {
    entry = require.resolve('tsd', { paths: [ROOT] })
  } catch {
    throw new Error('tsd is not installed: it is a devDependency of this package (npm ci installs it)')
  }
  // tsd's "exports" hides its package.json: find it from the entry point.
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    let manifest: { name?: string, bin?: string | Record<string, string> }
    try {
      manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof manifest
    } catch {
      continue
    }
    if (manifest.name !== 'tsd' || manifest.bin === undefined) continue
    return path.join(dir, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.tsd)
  }
  throw new Error(`cannot find the tsd command next to ${entry}`)
}

/** Runs tsd in `cwd` (a package root); never rejects. */
function runTsd (cwd: string): Promise<Run> {
  let cli: string
  try {
    cli = tsdCli()
  } catch (err) {
    return Promise.resolve({ code: null, output: String(err) })
  }
  const child = spawn(process.execPath, [cli], { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: null, output: `${output}\n${String(err)}` }))
    child.once('close', (code) => resolve({ code, output }))
  })
}

/** `line:column  message` of every failure tsd reports for `file`. */
function failures (output: string): Array<{ line: number, message: string }> {
  return [...output.matchAll(/✖\s+(\d+):\d+\s+(.*)/g)].map((m) => ({ line: Number(m[1]), message: m[2].trim() }))
}

/** 1-based line of the single line of `text` that contains `snippet`. */
function lineOf (text: string, snippet: string): number {
  const lines = text.split('\n')
  const found = lines.flatMap((l, i) => l.includes(snippet) ? [i + 1] : [])
  if (found.length !== 1) throw new Error(`expected one line of the type tests with ${JSON.stringify(snippet)}, found ${found.length}`)
  return found[0]
}

function mutate (source: string, from: RegExp, to: string): string {
  if (!from.test(source)) throw new Error(`types/index.d.ts no longer contains ${from}: update this mutation`)
  return source.replace(from, to)
}

// Both runs take a while (a full type check each): start them together.
const realRun = runTsd(ROOT)

/**
 * A scratch copy of the package whose types are broken in nine ways, each of which one kind of assertion in
 * the type tests must catch. It shares the project's node_modules through a symlink.
 */
async function brokenCopy (dir: string): Promise<void> {
  await mkdir(path.join(dir, 'types'))
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'))
  await copyFile(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'))
  await copyFile(TEST_FILE, path.join(dir, 'types', 'index.test-d.ts'))
  let types = await readFile(path.join(ROOT, 'types', 'index.d.ts'), 'utf8')
  // 1. an `any` leaks out of request.apitoolkit
  types = mutate(types, /\bobserve: ObserveClient\b/, 'observe: any')
  // 2. any member name compiles on request.apitoolkit
  types = mutate(types, /export interface ApitoolkitRequest \{/, 'export interface ApitoolkitRequest {\n  [member: string]: any')
  // 3. an option loses its type
  types = mutate(types, /\bmaxBodyBytes\?: number\b/, 'maxBodyBytes?: any')
  // 4. unknown option names compile
  types = mutate(types, /export interface ApitoolkitOptions \{/, 'export interface ApitoolkitOptions {\n  [name: string]: unknown')
  // 5. a client method no longer returns a Response
  types = mutate(types, /\bget \(([^)]*)\): Promise<Response>/, 'get ($1): Promise<unknown>')
  // 6. setUser takes anything
  types = mutate(types, /\bsetUser \(user: ApitoolkitUser\): void/, 'setUser (user: any): void')
  // 7. setAttributes takes any values
  types = mutate(types, /\bsetAttributes \(attributes: Record<string, string \| number \| boolean>\): void/, 'setAttributes (attributes: Record<string, any>): void')
  // 8. apiKey no longer takes undefined under exactOptionalPropertyTypes
  types = mutate(types, /\bapiKey\?: string \| undefined\b/, 'apiKey?: string')
  // 9. observeAxios takes anything and gives back any
  types = mutate(types, /\bobserveAxios<T extends AxiosLike> \(instance: T, options\?: ObserveOptions\): T\n/, 'observeAxios (instance: any, options?: ObserveOptions): any\n')
  await writeFile(path.join(dir, 'types', 'index.d.ts'), types)
}
const brokenDir = mkdtemp(path.join(tmpdir(), 'apitoolkit-types-'))
const brokenRun: Promise<Run> = brokenDir.then(async (dir) => {
  await brokenCopy(dir)
  return await runTsd(dir)
}).catch((err: unknown) => ({ code: null, output: `could not prepare the broken copy: ${String(err)}` }))
teardown(async () => { await rm(await brokenDir, { recursive: true, force: true }) })

test('the type tests of types/index.test-d.ts pass', async (t) => {
  const run = await realRun
  t.equal(run.code, 0, 'tsd exits 0')
  t.same(failures(run.output), [], 'tsd reports no failure')
  if (run.code !== 0) t.comment(run.output)
})

test('the type tests fail when the public types are broken', async (t) => {
  const run = await brokenRun
  t.equal(run.code, 1, 'tsd ran and exits 1')
  const tests = await readFile(TEST_FILE, 'utf8')
  const reported = failures(run.output)
  const expectFailureAt = (what: string, snippet: string, message: RegExp): void => {
    const line = lineOf(tests, snippet)
    t.ok(reported.some((f) => f.line === line && message.test(f.message)), `${what} (line ${line})`)
  }
  expectFailureAt('an `any` request.apitoolkit.observe is caught by expectNotType<any>', 'expectNotType<any>(observe)', /identical/)
  expectFailureAt('an `any` request.apitoolkit.observe is caught by expectType', 'expectType<ObserveClient>(observe)', /any/)
  expectFailureAt('a misspelt member that compiles is caught', 'expectError(request.apitoolkit.reportErr(', /Expected an error/)
  expectFailureAt('an option typed any is caught', 'expectType<number>(all.maxBodyBytes)', /any/)
  expectFailureAt('an option taking a wrong type is caught', "expectError(app.register(apitoolkit, { maxBodyBytes: '64kb' }))", /Expected an error/)
  expectFailureAt('an unknown option name that compiles is caught', "expectError(app.register(apitoolkit, { redactRequestbody: ['$.password'] }))", /Expected an error/)
  expectFailureAt('a client method returning something else than a Response is caught', "expectType<Promise<Response>>(client.get('https://stock.example.com/items/42'))", /unknown/)
  expectFailureAt('setUser taking anything is caught', 'expectError(request.apitoolkit.setUser({ id: true }))', /Expected an error/)
  expectFailureAt('setUser typed any is caught', "expectType<(user: ApitoolkitUser) => void>(null as unknown as ApitoolkitRequest['setUser'])", /any|identical/)
  expectFailureAt('an observeAxios typed any is caught', 'expectNotType<any>(observedAxios)', /identical/)
  expectFailureAt('an observeAxios taking anything is caught', 'expectError(request.apitoolkit.observeAxios({}))', /Expected an error/)
  expectFailureAt('setAttributes taking any value is caught', "expectError(request.apitoolkit.setAttributes({ nested: { plan: 'pro' } }))", /Expected an error/)
  if (t.passing() === false) t.comment(run.output)
})

// ---- exactOptionalPropertyTypes ------------------------------------------------------------------------

// A user's code, strict with exactOptionalPropertyTypes: the key read from the environment is
// `string | undefined`. The control interface proves the flag is on: without `| undefined`, it must fail.
const EXACT_SOURCE = `import type { ApitoolkitOptions } from 'TYPES'
declare const fromEnv: string | undefined
export const options: ApitoolkitOptions = { apiKey: fromEnv, serviceName: 'orders-api' }
interface Control { key?: string }
export const control: Control = { key: fromEnv }
`

/** Type errors of EXACT_SOURCE against the types in `typesDir`, as `line: message`. */
async function exactErrors (dir: string, typesDir: string): Promise<string[]> {
  const file = path.join(dir, 'exact-optional.ts')
  await writeFile(file, EXACT_SOURCE.replace('TYPES', path.join(typesDir, 'index')))
  const program = ts.createProgram([file], {
    strict: true,
    exactOptionalPropertyTypes: true,
    esModuleInterop: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')]
  })
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0
    return `${path.basename(d.file?.fileName ?? '?')}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
  })
}

test('apiKey takes string | undefined under exactOptionalPropertyTypes', async (t) => {
  const scratch = await mkdtemp(path.join(tmpdir(), 'apitoolkit-exact-'))
  t.teardown(() => rm(scratch, { recursive: true, force: true }))
  const real = await exactErrors(scratch, path.join(ROOT, 'types'))
  t.equal(real.length, 1, 'one error, the control\'s') || t.comment(real.join('\n'))
  t.match(real[0], /^exact-optional\.ts:5: .*exactOptionalPropertyTypes/, 'the flag is on: the control without | undefined fails')

  // The broken copy's types declare `apiKey?: string`: the same code must fail on the options line too.
  await brokenRun
  const broken = await exactErrors(scratch, path.join(await brokenDir, 'types'))
  t.ok(broken.some((e) => /^exact-optional\.ts:3: .*exactOptionalPropertyTypes/.test(e)), 'without | undefined on apiKey, the options line fails') ||
    t.comment(broken.join('\n'))
})
