// `npm run bench:instructions`: CPU instructions per request of each variant, counted by valgrind's
// callgrind in the server process. Requests per second on this shared machine move by ±30% between
// runs; these counts moved by about ±10% (batch timers and GC still depend on timing), so they tell
// apart variants that differ by more than that.
// It counts user-space instructions only: the kernel's share of a request (socket writes) is left out,
// which makes bare Fastify look cheaper here than in requests per second.
//
//   node dist/bench/instructions.js [--variants a,b] [--warm N] [--requests N] [--write]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { number, variantList } from './args'
import { errorMessage } from './errors'
import { runLoad } from './load'
import type { Variant } from './protocol'
import { ServerProcess } from './server-process'
import { MAIN_REQUESTS, type RequestSpec } from './workload'

const BENCH_DIR = join(__dirname, '..', '..', 'bench')

/** Few connections: under valgrind a request takes milliseconds, and more would only queue. */
const CONNECTIONS = 10

const DEFAULT_WARM = 4096
/** Six batches of the pipeline's 512 spans, so each variant pays for whole exports. */
const DEFAULT_REQUESTS = 3072

/** Two servers at once: one per core. Counts do not depend on what else runs. */
const PARALLEL = 2

interface Count {
  variant: Variant
  request: RequestSpec
  /** Instructions per request on the main (JavaScript) thread. */
  main: number
  /** Instructions per request on every thread: V8's compiler and GC helpers too. */
  all: number
  failures: number
}

/** `summary:` of every thread's file from the first dump (`<file>.1-<thread>`), main thread first. */
function readDump (dir: string): number[] {
  const files = readdirSync(dir).filter((f) => /\.1-\d+$/.test(f)).sort()
  if (files.length === 0) throw new Error('callgrind wrote no dump')
  return files.map((f) => {
    const line = readFileSync(join(dir, f), 'utf8').split('\n').find((l) => l.startsWith('summary:'))
    if (line === undefined) throw new Error(`no summary line in ${f}`)
    return Number(line.slice('summary:'.length))
  })
}

async function count (variant: Variant, request: RequestSpec, warm: number, requests: number): Promise<Count> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-instructions-'))
  const launcher = ['valgrind', '--quiet', '--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${join(dir, 'cg')}`]
  const server = await ServerProcess.start(variant, 'global', [], launcher)
  try {
    const pid = String(server.pid)
    // Warm up until V8 has compiled the hot paths, then count only the measured requests.
    await runLoad(server.baseUrl, request, { connections: CONNECTIONS, amount: warm })
    execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' })
    const load = await runLoad(server.baseUrl, request, { connections: CONNECTIONS, amount: requests })
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' })
    const threads = readDump(dir)
    return {
      variant,
      request,
      main: threads[0] / requests,
      all: threads.reduce((a, b) => a + b, 0) / requests,
      failures: load.failures
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

function table (counts: Count[]): string {
  const rows = counts.map((c) => {
    const bare = counts.find((b) => b.variant === 'bare' && b.request === c.request)
    const ratio = bare === undefined ? '' : `${(bare.main / c.main * 100).toFixed(0)}%`
    return `| ${c.request.name} | ${c.variant} | ${Math.round(c.main).toLocaleString('en-US')} | ${ratio} | ` +
      `${Math.round(c.all).toLocaleString('en-US')} | ${c.failures} |`
  })
  return [
    '| request | variant | main-thread instructions/request | bare ÷ variant | all threads | failed req |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}

function readArgs (): { variants: Variant[], warm: number, requests: number, write: boolean } {
  const { values } = parseArgs({
    options: {
      variants: { type: 'string' },
      warm: { type: 'string' },
      requests: { type: 'string' },
      write: { type: 'boolean', default: false }
    }
  })
  return {
    variants: variantList(values.variants),
    warm: number('warm', values.warm, DEFAULT_WARM, 1),
    requests: number('requests', values.requests, DEFAULT_REQUESTS, 1),
    write: values.write
  }
}

async function main (): Promise<void> {
  const args = readArgs()
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)')
  }
  const jobs = MAIN_REQUESTS.flatMap((request) => args.variants.map((variant) => ({ variant, request })))
  const counts: Count[] = []
  const next = async (): Promise<void> => {
    for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
      console.error(`  ${job.variant} ${job.request.name}`)
      counts.push(await count(job.variant, job.request, args.warm, args.requests))
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, next))
  // Back in the order the variants were asked for, whichever server finished first.
  counts.sort((a, b) => MAIN_REQUESTS.indexOf(a.request) - MAIN_REQUESTS.indexOf(b.request) ||
    args.variants.indexOf(a.variant) - args.variants.indexOf(b.variant))

  const report = [
    '# Instructions per request',
    '',
    `- Command: \`node dist/bench/instructions.js ${process.argv.slice(2).join(' ')}\` (\`npm run bench:instructions\`)`,
    `- Date: ${new Date().toISOString()}; Node ${process.version}`,
    `- Each variant's server runs under \`valgrind --tool=callgrind\`; ${args.warm.toLocaleString('en-US')} warm-up ` +
      `requests, then the counters are zeroed and ${args.requests.toLocaleString('en-US')} requests are counted ` +
      `(autocannon, ${CONNECTIONS} connections). Same servers, routes, headers and pipeline as \`npm run bench\`.`,
    '- User-space instructions only: the kernel\'s share of each request is not in these counts.',
    '',
    table(counts),
    ''
  ].join('\n')
  console.log(report)
  if (args.write) {
    writeFileSync(join(BENCH_DIR, 'INSTRUCTIONS.md'), report)
    console.error(`written to ${join(BENCH_DIR, 'INSTRUCTIONS.md')}`)
  }
}

main().catch((err: unknown) => {
  console.error(errorMessage(err))
  process.exit(1)
})
