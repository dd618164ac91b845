// The package as a user gets it: `npm pack` (of the pretest build), then one install of the tarball
// with Fastify into a fresh app outside the project, served from CommonJS, ESM and type-checked TypeScript,
// with nothing but the tarball's dependencies. And a fresh clone, which has no dist/, packs one too.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import tap from 'tap'
import ts from 'typescript'

const ROOT = path.resolve(__dirname, '..', '..')
interface Manifest {
  name: string
  main: string
  types: string
  bin: Record<string, string>
  engines?: { node?: string }
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

// Without the npm_* variables of the `npm test` running this: npm_config_local_prefix among them would
// point the consumer app's `npm install` at this project.
const ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
ENV.NO_COLOR = '1'

/** Runs a command to its end, killed after `timeoutMs`; never rejects. */
function run (command: string, args: string[], cwd: string, timeoutMs: number, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.once('error', (err) => { clearTimeout(timer); resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n${String(err)}` }) })
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
    child.stdin.end(input ?? '')
  })
}

/** npm itself: the one running `npm test` when there is one, else the one on PATH. */
function npm (args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const npmCli = process.env.npm_execpath
  return npmCli !== undefined && npmCli.endsWith('.js')
    ? run(process.execPath, [npmCli, ...args], cwd, timeoutMs)
    : run('npm', args, cwd, timeoutMs)
}

function versionIn (name: string): string {
  return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

/** `npm pack --json` of `cwd` into `destination`: the tarball's path and file list. */
async function pack (cwd: string, destination: string, extra: string[], timeoutMs: number): Promise<{ tarball: string, files: string[] }> {
  const packed = await npm(['pack', '--json', '--pack-destination', destination, ...extra], cwd, timeoutMs)
  if (packed.code !== 0) throw new Error(`npm pack failed: ${show(packed)}`)
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
  return { tarball: path.join(destination, path.basename(info.filename)), files: info.files.map((f) => f.path).sort() }
}

/** Module names of lib/ (without .ts), relative to `lib`: what dist/lib must hold built. */
function libModules (lib: string): Set<string> {
  return new Set((readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '').split(path.sep).join('/')))
}

function show (r: Run): string {
  return `exit ${String(r.code)}${r.signal === null ? '' : ` (${r.signal})`}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`
}

// ---- the consumer apps ------------------------------------------------------------------------------

// One request through everything a newcomer uses: register, request.apitoolkit.reportError, the named
// reportError and observeRequest, request.apitoolkit.observe, against a collector that is not there.
const JS_APP = `
async function main () {
  const app = Fastify()
  await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1', serviceName: 'consumer', redactRequestBody: ['$.password'] })
  let base = ''
  app.get('/upstream/:id', async (request) => ({ id: request.params.id }))
  app.get('/orders/:id', async (request) => {
    request.apitoolkit.reportError(new Error('handled'))
    reportError(request, new Error('handled, reported by name'))
    request.apitoolkit.setUser({ id: 'u_42', email: 'jane@example.com', name: 'Jane Doe' })
    request.apitoolkit.setTenant({ id: 7, name: 'Acme' })
    request.apitoolkit.setAttributes({ plan: 'pro', seats: 12, trial: false })
    const viaName = await observeRequest(request, { urlWildcard: '/upstream/:id' }).get(base + '/upstream/7')
    const viaRequest = await request.apitoolkit.observe.get(base + '/upstream/8', { urlWildcard: '/upstream/:id' })
    return { order: request.params.id, viaName: await viaName.json(), viaRequest: await viaRequest.json() }
  })
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  const res = await fetch(base + '/orders/42')
  const body = await res.json()
  await app.close()
  console.log(JSON.stringify({ status: res.status, body, exports: EXPORTS, resolved: RESOLVED }))
}
main().catch((err) => { console.error(err); process.exitCode = 1 })
`

const CJS_APP = `'use strict'
const Fastify = require('fastify')
const apitoolkit = require('apitoolkit-fastify')
const { reportError, observeRequest, observeAxios } = require('apitoolkit-fastify')
const EXPORTS = {
  plugin: typeof apitoolkit,
  defaultIsPlugin: apitoolkit.default === apitoolkit,
  reportError: typeof reportError,
  observeRequest: typeof observeRequest,
  observeAxios: typeof observeAxios
}
const RESOLVED = require.resolve('apitoolkit-fastify')
${JS_APP}`

const ESM_APP = `import Fastify from 'fastify'
import { createRequire } from 'node:module'
import apitoolkit, { reportError, observeRequest, observeAxios } from 'apitoolkit-fastify'
import * as namespace from 'apitoolkit-fastify'
const EXPORTS = {
  plugin: typeof apitoolkit,
  defaultIsPlugin: namespace.apitoolkit === apitoolkit && typeof namespace.default === 'function',
  reportError: typeof reportError,
  observeRequest: typeof observeRequest,
  observeAxios: typeof observeAxios
}
const RESOLVED = createRequire(import.meta.url).resolve('apitoolkit-fastify')
${JS_APP}`

// The same app in TypeScript, typed end to end; `any` is not needed anywhere. The import line is filled in
// per module system.
const TS_APP = `import Fastify from 'fastify'
IMPORTS

// The key as the README reads it: string | undefined, which must compile under exactOptionalPropertyTypes.
const options: ApitoolkitOptions = { apiKey: process.env.APITOOLKIT_KEY, otlpEndpoint: 'http://127.0.0.1:1', serviceName: 'consumer', redactRequestBody: ['$.password'] }
const EXPORTS = {
  plugin: typeof apitoolkit,
  reportError: typeof reportError,
  observeRequest: typeof observeRequest,
  observeAxios: typeof observeAxios
}

async function main (): Promise<void> {
  const app = Fastify()
  await app.register(apitoolkit, options)
  let base = ''
  app.get<{ Params: { id: string } }>('/upstream/:id', async (request) => ({ id: request.params.id }))
  app.get<{ Params: { id: string } }>('/orders/:id', async (request) => {
    request.apitoolkit.reportError(new Error('handled'))
    reportError(request, new Error('handled, reported by name'))
    request.apitoolkit.setUser({ id: 'u_42', email: 'jane@example.com', name: 'Jane Doe' })
    request.apitoolkit.setTenant({ id: 7, name: 'Acme' })
    request.apitoolkit.setAttributes({ plan: 'pro', seats: 12, trial: false })
    const client: ObserveClient = observeRequest(request, { urlWildcard: '/upstream/:id' })
    const viaName: Response = await client.get(base + '/upstream/7')
    const viaRequest: Response = await request.apitoolkit.observe.get(base + '/upstream/8', { urlWildcard: '/upstream/:id' })
    return { order: request.params.id, viaName: await viaName.json() as unknown, viaRequest: await viaRequest.json() as unknown }
  })
  base = await app.listen({ host: '127.0.0.1', port: 0 })
  const res = await fetch(base + '/orders/42')
  const body: unknown = await res.json()
  await app.close()
  console.log(JSON.stringify({ status: res.status, body, exports: EXPORTS, resolved: RESOLVED }))
}
main().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
`
const TS_IMPORTS = "import apitoolkit, { observeAxios, observeRequest, reportError, type ApitoolkitOptions, type ObserveClient } from 'apitoolkit-fastify'"
const TS_CJS_APP = TS_APP.replace('IMPORTS', `${TS_IMPORTS}\nconst RESOLVED = require.resolve('apitoolkit-fastify')`)
const TS_ESM_APP = TS_APP.replace('IMPORTS', `${TS_IMPORTS}\nimport { createRequire } from 'node:module'\nconst RESOLVED = createRequire(import.meta.url).resolve('apitoolkit-fastify')`)

const EXPECTED_BODY = { order: '42', viaName: { id: '7' }, viaRequest: { id: '8' } }
const EXPECTED_EXPORTS = { plugin: 'function', reportError: 'function', observeRequest: 'function', observeAxios: 'function' }

// ---- one pack, one install, shared by every check -----------------------------------------------------

interface Setup {
  dir: string
  tarball: string
  files: string[]
  app: string
  install: Run
}

async function setUp (): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'apitoolkit-package-'))
  // Without prepack's build: dist/ is the pretest build the other test files are reading right now. The
  // fresh-clone test below runs prepack where nothing else reads.
  const { tarball, files } = await pack(ROOT, dir, ['--ignore-scripts'], 30_000)
  const app = path.join(dir, 'app')
  await mkdir(app)
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true }))
  const wanted = [tarball, `fastify@${versionIn('fastify')}`, `@types/node@${versionIn('@types/node')}`]
  const common = ['install', '--no-audit', '--no-fund', '--no-package-lock', ...wanted]
  // From npm's cache when it has everything (it does after `npm ci`); from the registry only if not.
  // (Both bounded well inside tap's per-file timeout.)
  let install = await npm([...common, '--offline'], app, 50_000)
  if (install.code !== 0) install = await npm([...common, '--prefer-offline'], app, 50_000)
  return { dir, tarball, files, app, install }
}

const setup = setUp()
// Failures are reported by the tests that need the setup; this keeps Node from calling them unhandled.
setup.catch(() => {})
tap.teardown(async () => {
  const done = await setup.catch(() => undefined)
  if (done !== undefined) await rm(done.dir, { recursive: true, force: true })
})

tap.test('the tarball ships only built code, types, README and LICENSE', async (t) => {
  const { files } = await setup
  const allowed = (f: string): boolean =>
    ['package.json', 'README.md', 'LICENSE', 'SECURITY.md', PKG.types].includes(f) ||
    /^dist\/lib\/([a-z-]+\/)?[^/]+\.(js|d\.ts|js\.map)$/.test(f)
  t.same(files.filter((f) => !allowed(f)), [], 'nothing else is in the tarball')
  for (const required of ['README.md', 'LICENSE', 'package.json', PKG.types, PKG.main, PKG.bin['apitoolkit-fastify']]) {
    t.ok(files.includes(required), `${required} is in the tarball`)
  }
  t.same(files.filter((f) => /(^|\/)(test|tests|bench|example-server|\.tap|\.ci)(\/|$)|\.test(-d)?\.|\.ts$/.test(f) && !f.endsWith('.d.ts')),
    [], 'no tests, bench, example or TypeScript sources')
  // Built code whose source is gone (a renamed module) would still ship from a stale dist/.
  const sources = libModules(path.join(ROOT, 'lib'))
  const stale = files.filter((f) => f.startsWith('dist/lib/')).map((f) => f.slice('dist/lib/'.length).replace(/\.(js|d\.ts|js\.map)$/, '')).filter((m) => !sources.has(m))
  t.same([...new Set(stale)], [], 'every built module has its source in lib/ (else: remove dist/ and build again)')
  t.match(PKG.engines?.node, /^>=\s*20/, 'engines.node is >= 20')
})

tap.test('installed from the tarball, the package serves a request from CommonJS, ESM and TypeScript', async (t) => {
  const { app, install } = await setup
  t.equal(install.code, 0, 'npm install of the tarball and fastify succeeds') || t.comment(show(install))
  if (install.code !== 0) return

  const installed = realpathSync(path.join(app, 'node_modules', PKG.name))
  t.ok(existsSync(path.join(installed, PKG.main)), 'main is installed')
  t.ok(existsSync(path.join(installed, PKG.types)), 'types are installed')
  t.notOk(existsSync(path.join(installed, 'test')), 'no test directory is installed')

  await writeFile(path.join(app, 'app.cjs'), CJS_APP)
  await writeFile(path.join(app, 'app.mjs'), ESM_APP)
  await writeFile(path.join(app, 'app-cjs.ts'), TS_CJS_APP)
  await writeFile(path.join(app, 'app-esm.mts'), TS_ESM_APP)

  // The project's own compiler, strict, Node's libraries only (no DOM), against the installed types. With
  // module nodenext the .ts file is CommonJS (the app has no "type": "module") and the .mts file is ESM.
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json', { paths: [ROOT] })), 'bin', 'tsc')
  const typeCheck = run(process.execPath, [
    tsc, '--noEmit', '--strict', '--exactOptionalPropertyTypes', '--target', 'es2022', '--lib', 'es2022', '--module', 'nodenext',
    '--types', 'node', 'app-cjs.ts', 'app-esm.mts'
  ], app, 60_000)

  // Then run them: emitted the way tsc would emit them, so they run unchanged under Node.
  const transpile = (source: string, module: ts.ModuleKind): string =>
    ts.transpileModule(source, { compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText
  await writeFile(path.join(app, 'app-cjs.js'), transpile(TS_CJS_APP, ts.ModuleKind.CommonJS))
  await writeFile(path.join(app, 'app-esm.mjs'), transpile(TS_ESM_APP, ts.ModuleKind.ESNext))

  const apps = ['app.cjs', 'app.mjs', 'app-cjs.js', 'app-esm.mjs']
  // Each app exits by itself after its request: the plugin must leave nothing holding the process open.
  const runs = await Promise.all(apps.map((file) => run(process.execPath, [file], app, 30_000)))
  apps.forEach((file, i) => {
    const r = runs[i]
    t.test(file, async (t) => {
      t.equal(r.code, 0, 'exits 0 by itself') || t.comment(show(r))
      t.equal(r.stderr, '', 'writes nothing to stderr (no logger configured, nothing logged)')
      const lines = r.stdout.trim().split('\n')
      t.equal(lines.length, 1, 'prints only its own line (the plugin writes nothing to stdout)')
      let result: { status?: number, body?: unknown, exports?: Record<string, unknown>, resolved?: string } = {}
      try {
        result = JSON.parse(lines[lines.length - 1]) as typeof result
      } catch {
        t.fail(`prints its result as JSON:\n${show(r)}`)
        return
      }
      t.equal(result.status, 200, 'the request is served with a collector that is not there')
      t.same(result.body, EXPECTED_BODY, 'the handler ran reportError, observeRequest and observe')
      const { defaultIsPlugin, ...exported } = result.exports ?? {}
      t.same(exported, EXPECTED_EXPORTS, 'the plugin and the named exports are there')
      // In JavaScript, also the default export seen as a property (TypeScript checks it by its types).
      if (!file.includes('-')) t.equal(defaultIsPlugin, true, 'the default export is the plugin')
      t.ok(result.resolved?.startsWith(installed + path.sep), 'the package resolves to the installed copy')
    })
  })

  const checked = await typeCheck
  const errors = checked.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
  const errorsIn = (file: string): string[] => errors.filter((line) => line.startsWith(file))
  t.same(errorsIn('node_modules/'), [], 'the installed types compile (strict, exactOptionalPropertyTypes, lib es2022 without DOM, no skipLibCheck)')
  t.same(errorsIn('app-cjs.ts'), [], 'the CommonJS TypeScript app compiles against them')
  t.same(errorsIn('app-esm.mts'), [], 'the ESM TypeScript app compiles against them (import apitoolkit from ...)')
  t.equal(checked.code, 0, 'tsc --noEmit --strict exits 0') || t.comment(show(checked))
})

tap.test('the installed command runs', async (t) => {
  const { app, install } = await setup
  if (install.code !== 0) {
    t.fail('install failed (see above)')
    return
  }
  const bin = path.join(app, 'node_modules', '.bin', 'apitoolkit-fastify')
  const r = await run(bin, ['redact', '--path', '$.user.email'], app, 30_000, '{"user":{"email":"a@b.c","name":"A"}}')
  t.equal(r.code, 0, 'npx apitoolkit-fastify redact exits 0') || t.comment(show(r))
  t.same(JSON.parse(r.stdout) as unknown, { user: { email: '[CLIENT_REDACTED]', name: 'A' } }, 'and prints the redacted JSON')
})

// ---- what the runtime needs --------------------------------------------------------------------------

/** Every module the built code loads by name: `require("x")` and `import("x")` as tsc emits them. */
function requiredPackages (dist: string): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const file of readdirSync(dist, { recursive: true }) as string[]) {
    if (!file.endsWith('.js')) continue
    const code = readFileSync(path.join(dist, file), 'utf8')
    for (const m of code.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = m[1]
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
      found.set(name, [...(found.get(name) ?? []), file])
    }
  }
  return found
}

tap.test("the tarball's dependencies cover every package its built code loads; no tracing SDK among them", async (t) => {
  const { app, install } = await setup
  if (install.code !== 0) {
    t.fail('install failed (see above)')
    return
  }
  const installed = realpathSync(path.join(app, 'node_modules', PKG.name))
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as Manifest
  const required = requiredPackages(path.join(installed, 'dist', 'lib'))
  t.ok(required.has('@opentelemetry/api') && required.has('fastify-plugin'), `the scan finds the packages (${[...required.keys()].join(', ')})`)
  const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])
  const undeclared = [...required].filter(([name]) => !declared.has(name)).map(([name, files]) => `${name} (${files.join(', ')})`)
  t.same(undeclared, [], 'every package loaded at run time is a dependency (or fastify, the peer)')
  const sdk = ['@opentelemetry/sdk-trace-node', '@opentelemetry/sdk-trace-base', '@opentelemetry/resources', '@opentelemetry/exporter-trace-otlp-grpc']
  t.same(sdk.filter((name) => required.has(name)), [], 'the plugin loads no tracing SDK, resources or trace exporter package')
})

// ---- a fresh clone -------------------------------------------------------------------------------------

interface CloneSetup { dir: string, clone: string, cloned: Run, hadDist: boolean, files: string[] }

// Started with the other setup: the clone's build takes a while.
async function packFreshClone (): Promise<CloneSetup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'apitoolkit-clone-'))
  // The committed tree, as `git clone` gives it; the dependencies shared rather than installed again.
  const clone = path.join(dir, 'clone')
  const cloned = await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], dir, 30_000)
  if (cloned.code !== 0) return { dir, clone, cloned, hadDist: false, files: [] }
  const hadDist = existsSync(path.join(clone, 'dist'))
  await symlink(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir')
  const { files } = await pack(clone, dir, [], 100_000)
  return { dir, clone, cloned, hadDist, files }
}
const cloneSetup = packFreshClone()
cloneSetup.catch(() => {})
tap.teardown(async () => {
  const done = await cloneSetup.catch(() => undefined)
  if (done !== undefined) await rm(done.dir, { recursive: true, force: true })
})

tap.test('npm pack of a fresh clone (no dist/) builds and ships dist/', async (t) => {
  t.equal(PKG.scripts?.prepack, 'npm run build', 'package.json builds on prepack')
  const { clone, cloned, hadDist, files } = await cloneSetup
  t.equal(cloned.code, 0, 'git clone succeeds') || t.comment(show(cloned))
  if (cloned.code !== 0) return
  t.equal(hadDist, false, 'a fresh clone has no dist/ before npm pack')
  const cloneManifest = JSON.parse(await readFile(path.join(clone, 'package.json'), 'utf8')) as Manifest
  for (const required of new Set([cloneManifest.main, cloneManifest.bin['apitoolkit-fastify'], cloneManifest.types, 'dist/lib/index.js'])) {
    t.ok(files.includes(required), `${required} is in the tarball`)
  }
  const missing = [...libModules(path.join(clone, 'lib'))].filter((m) => !files.includes(`dist/lib/${m}.js`))
  t.same(missing, [], 'every module of lib/ is in the tarball, built')
})
