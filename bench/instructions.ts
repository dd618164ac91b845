// `npm run bench:instructions`: CPU instructions per request of each variant, counted by valgrind's
// callgrind in the server process. Requests per second on this shared machine move by ±30% between
// runs; these counts moved by about ±10% (batch timers and GC still depend on timing), so they tell
// apart variants that differ by more than that, and the median of a few runs does better.
// It counts user-space instructions only: the kernel's share of a request (socket writes) is left out,
// which makes bare Fastify look cheaper here than in requests per second.
//
//   node dist/bench/instructions.js [--variants a,b] [--warm N] [--requests N] [--runs N] [--write]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { number, variantList } from './args'
import { errorMessage, firstLine } from './errors'
import { DASH, integer, markdownTable, median, percent } from './format'
import { runLoad } from './load'
import { OPTION_VARIANTS, VARIANTS, type Variant } from './protocol'
import { ServerProcess } from './server-process'
import { SinkProcess, type SinkListener } from './sink-process'
import { addedOverHttpInstrLine, arrivalLines, shareLines, TARGETS_TEXT } from './targets'
import { MAIN_REQUESTS, type RequestSpec } from './workload'

const BENCH_DIR = join(__dirname, '..', '..', 'bench')

/** Few connections: under valgrind a request takes milliseconds, and more would only queue. */
const CONNECTIONS = 10

const DEFAULT_WARM = 4096
/** Six batches of 512 spans, the batch size of the SDK's BatchSpanProcessor, so exports are whole. */
const DEFAULT_REQUESTS = 3072
const DEFAULT_RUNS = 3

/** Two servers at once: one per core. Counts do not depend on what else runs. */
const PARALLEL = 2

interface Args {
  variants: Variant[]
  warm: number
  requests: number
  runs: number
  write: boolean
}

/** One run of one variant on one request. */
interface Count {
  /** Instructions per request on the main (JavaScript) thread. */
  main: number
  /** Instructions per request on every thread: V8's compiler and GC helpers too. */
  all: number
  /** Bytes the sink received from the server over its life, warm-up included. */
  sinkBytes: number
  failures: number
}

/** Every run of one variant on one request. */
interface Counts {
  variant: Variant
  request: RequestSpec
  runs: Count[]
  /** Why a run failed; the other runs still count. */
  errors: string[]
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

/**
 * Counts one run in a fresh server under callgrind. The sink listener is this run's alone while it
 * lasts, and the server's graceful stop flushes its spans, so the listener's difference is its exports.
 */
async function count (variant: Variant, request: RequestSpec, args: Args, sink: SinkListener): Promise<Count> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-instructions-'))
  const launcher = ['valgrind', '--quiet', '--tool=callgrind', '--separate-threads=yes', '--dump-instr=no', `--callgrind-out-file=${join(dir, 'cg')}`]
  const sinkBefore = await sink.stats()
  let threads: number[]
  let failures: number
  try {
    const server = await ServerProcess.start(variant, sink.url, [], launcher)
    try {
      const pid = String(server.pid)
      // Warm up until V8 has compiled the hot paths, then count only the measured requests.
      await runLoad(server.baseUrl, request, { connections: CONNECTIONS, amount: args.warm })
      execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' })
      failures = (await runLoad(server.baseUrl, request, { connections: CONNECTIONS, amount: args.requests })).failures
      execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' })
      threads = readDump(dir)
    } finally {
      await server.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const sinkAfter = await sink.stats()
  return {
    main: threads[0] / args.requests,
    all: threads.reduce((a, b) => a + b, 0) / args.requests,
    sinkBytes: sinkAfter.bytes - sinkBefore.bytes,
    failures
  }
}

const medianOf = (counts: Counts, pick: (run: Count) => number): number | undefined =>
  counts.runs.length === 0 ? undefined : median(counts.runs.map(pick))

function table (all: Counts[], args: Args): string {
  const rows = all.map((c) => {
    const main = medianOf(c, (run) => run.main)
    const bare = all.find((b) => b.variant === 'bare' && b.request === c.request)
    const bareMain = bare === undefined ? undefined : medianOf(bare, (run) => run.main)
    const mains = c.runs.map((run) => run.main)
    const served = c.runs.length * (args.warm + args.requests)
    return [
      c.request.name,
      c.variant,
      main === undefined ? 'failed' : integer(main),
      main === undefined || bareMain === undefined ? DASH : percent(bareMain / main),
      main === undefined || mains.length < 2 ? DASH : `±${percent((Math.max(...mains) - Math.min(...mains)) / main / 2)}`,
      c.runs.length === 0 ? DASH : integer(medianOf(c, (run) => run.all) ?? 0),
      served === 0 ? DASH : integer(c.runs.reduce((a, run) => a + run.sinkBytes, 0) / served),
      integer(c.runs.reduce((a, run) => a + run.failures, 0))
    ]
  })
  return markdownTable(
    ['request', 'variant', 'main-thread instructions/request', 'bare ÷ variant', 'half-range over runs', 'all threads', 'bytes/req to sink', 'failed req'],
    rows
  )
}

function targetLines (all: Counts[]): string[] {
  const main = (variant: Variant, request: RequestSpec): number | undefined => {
    const c = all.find((x) => x.variant === variant && x.request === request)
    return c === undefined ? undefined : medianOf(c, (run) => run.main)
  }
  const share = (variant: Variant, request: RequestSpec): number | undefined => {
    const bare = main('bare', request)
    const cost = main(variant, request)
    return bare === undefined || cost === undefined ? undefined : bare / cost
  }
  const hello = MAIN_REQUESTS[0]
  const withPlugin = main('http-instr-plugin', hello)
  const without = main('http-instr', hello)
  return [
    ...arrivalLines(all.filter((c) => c.runs.length > 0).map((c) => ({
      variant: c.variant,
      request: c.request.name,
      bytes: c.runs.reduce((a, run) => a + run.sinkBytes, 0)
    }))),
    ...shareLines('instructions', MAIN_REQUESTS.map((request) => ({
      request: request.name,
      pluginFull: share('plugin-full', request),
      fastifyOtel: share('fastify-otel', request)
    }))),
    addedOverHttpInstrLine(withPlugin === undefined || without === undefined ? undefined : withPlugin - without)
  ]
}

/** What each option variant adds to, or saves from, the configuration it differs from by one option. */
function optionLines (all: Counts[]): string[] {
  const main = (variant: Variant, request: RequestSpec): number | undefined => {
    const c = all.find((x) => x.variant === variant && x.request === request)
    return c === undefined ? undefined : medianOf(c, (run) => run.main)
  }
  const delta = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? 'not measured' : `${a - b >= 0 ? '+' : '−'}${integer(Math.abs(a - b))}`
  return MAIN_REQUESTS.flatMap((request) => {
    const full = main('plugin-full', request)
    const bare = main('bare', request)
    return [
      `- ${request.name}: \`redactSecrets\` (on, the default) costs ${delta(full, main('plugin-no-secrets', request))} instructions a request ` +
        '(plugin-full against plugin-no-secrets)',
      `- ${request.name}: a request sampling leaves out (\`plugin-unsampled\`) costs ${delta(main('plugin-unsampled', request), bare)} over bare, ` +
        `against ${delta(full, bare)} for one exported with full capture; Fastify running the plugin's three hooks as no-ops ` +
        `(\`hooks-only\`) costs ${delta(main('hooks-only', request), bare)} of that`,
      `- ${request.name}: \`correlateLogs\` costs ${delta(main('plugin-logger-correlated', request), main('plugin-logger', request))} instructions a request ` +
        'with Fastify\'s logger at info level (plugin-logger-correlated against plugin-logger)'
    ]
  })
}

function readArgs (): Args {
  const { values } = parseArgs({
    options: {
      variants: { type: 'string' },
      warm: { type: 'string' },
      requests: { type: 'string' },
      runs: { type: 'string' },
      write: { type: 'boolean', default: false }
    }
  })
  return {
    variants: variantList(values.variants, [...VARIANTS, ...OPTION_VARIANTS]),
    warm: number('warm', values.warm, DEFAULT_WARM, 1),
    requests: number('requests', values.requests, DEFAULT_REQUESTS, 1),
    runs: number('runs', values.runs, DEFAULT_RUNS, 1),
    write: values.write
  }
}

function report (all: Counts[], args: Args): string {
  const errors = all.flatMap((c) => c.errors.map((e) => `- ${c.variant} on ${c.request.name}: a run failed: ${firstLine(e)}`))
  return [
    '# Instructions per request',
    '',
    `- Command: \`node dist/bench/instructions.js ${process.argv.slice(2).join(' ')}\` (\`npm run bench:instructions\`)`,
    `- Date: ${new Date().toISOString()}; Node ${process.version}`,
    `- Each variant's server runs under \`valgrind --tool=callgrind\`; ${integer(args.warm)} warm-up ` +
      `requests, then the counters are zeroed and ${integer(args.requests)} requests are counted ` +
      `(autocannon, ${CONNECTIONS} connections); ${args.runs} run(s) each, in a fresh server, medians shown. ` +
      'Same servers, routes, headers and pipelines as `npm run bench`: every traced variant exports over',
    '  gRPC to a local sink that counts bytes without decoding them.',
    '- User-space instructions only: the kernel\'s share of each request is not in these counts.',
    '',
    `Targets: ${TARGETS_TEXT}`,
    '',
    table(all, args),
    ...(errors.length === 0 ? [] : ['', ...errors]),
    '',
    'Targets in this run (main thread):',
    '',
    ...targetLines(all),
    '',
    'What options cost (main thread, medians):',
    '',
    ...optionLines(all),
    ''
  ].join('\n')
}

async function main (): Promise<void> {
  const args = readArgs()
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error('valgrind is not installed (Debian: apt-get install valgrind)')
  }
  const all: Counts[] = MAIN_REQUESTS.flatMap((request) => args.variants.map((variant) => ({ variant, request, runs: [], errors: [] })))
  // Run-major, so the runs of one variant are spread over the whole measurement.
  const jobs = Array.from({ length: args.runs }, (_, run) => all.map((counts) => ({ counts, run }))).flat()
  // One sink listener per lane, so each lane's servers are counted apart.
  const sink = await SinkProcess.start(PARALLEL)
  const lane = async (index: number): Promise<void> => {
    for (let job = jobs.shift(); job !== undefined; job = jobs.shift()) {
      const { counts, run } = job
      console.error(`  run ${run + 1}/${args.runs} ${counts.variant} ${counts.request.name}`)
      try {
        counts.runs.push(await count(counts.variant, counts.request, args, sink.listener(index)))
      } catch (err) {
        counts.errors.push(errorMessage(err))
        console.error(`  ${counts.variant} ${counts.request.name} FAILED: ${errorMessage(err)}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: PARALLEL }, (_, index) => lane(index)))
  } finally {
    await sink.stop()
  }

  const text = report(all, args)
  console.log(text)
  if (args.write) {
    writeFileSync(join(BENCH_DIR, 'INSTRUCTIONS.md'), text)
    console.error(`written to ${join(BENCH_DIR, 'INSTRUCTIONS.md')}`)
  }
}

main().catch((err: unknown) => {
  console.error(errorMessage(err))
  process.exit(1)
})
