// `npm run bench`: requests per second and p99 latency of bare Fastify, the plugin, @fastify/otel and
// instrumentation-http, every traced variant exporting over gRPC to one local sink; then request body
// sizes and memory with the collector unreachable. Prints a Markdown report; `--write` also saves it
// to bench/RESULTS.md. Flags: see args.ts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseBenchArgs, USAGE, type BenchArgs } from './args'
import { errorMessage } from './errors'
import { measureMatrix, measureMemory, type RunSettings } from './measure'
import { UNREACHABLE_COLLECTOR, type Variant } from './protocol'
import {
  MATRIX_LEGEND,
  matrixTable,
  memoryTable,
  memoryTargetLines,
  p99TargetLine,
  throughputTargetLines,
  type MemoryRun
} from './report'
import { SinkProcess } from './sink-process'
import { TARGETS_TEXT } from './targets'
import { MAIN_REQUESTS, USER_DOCUMENT, uploadRequest } from './workload'

/** The source folder, not dist/bench: results and profiles belong next to the benchmark's code. */
const BENCH_DIR = join(__dirname, '..', '..', 'bench')

const BODY_SIZES: Array<[label: string, bytes: number]> = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024]
]

/**
 * The body size of the p99 target and of the memory run. Cells are found by request name, so this
 * finds the body-size section's 64 KiB cell.
 */
const LARGE_BODY = uploadRequest('64 KiB', 64 * 1024)

/** The variants of the body-size and memory sections: the plugin against its baseline. */
const PLUGIN_AND_BARE: Variant[] = ['bare', 'plugin-full']

function runDescription (args: BenchArgs): string {
  const cpuList = cpus()
  return [
    `- Command: \`node dist/bench/run.js ${process.argv.slice(2).join(' ')}\` (what \`npm run bench\` runs after building)`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpuList.length} cores, ${cpuList[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${platform()} ${release()}; Node ${process.version}`,
    `- Load: autocannon, ${args.connections} connections, pipelining 1, from the runner process; ` +
      `each measured run ${args.duration} s after a discarded ${args.warmup} s warm-up; ` +
      `${args.rounds} round(s), variants interleaved, each variant and request in a fresh server process`,
    '- Collector: one sink process on this machine serving OTLP/gRPC trace Export; it counts calls and',
    '  bytes without decoding them and answers success. Every traced variant exports to it.',
    '',
    `Targets: ${TARGETS_TEXT}`
  ].join('\n')
}

function throughputSection (table: string, targets: string[]): string {
  return [
    '## Throughput: bare Fastify, the plugin, @fastify/otel, instrumentation-http',
    '',
    '`plugin-full`: the plugin exporting on its own to the sink (no global provider), both bodies',
    'captured, `redactHeaders: [\'x-api-key\']`, `redactRequestBody: [\'$.user.email\', \'$.user.credit_card\']`,',
    '`redactResponseBody: [\'$.user.addresses[*].zip\']`. `fastify-otel`: `@fastify/otel` with its defaults',
    'on the pipeline the OpenTelemetry Node SDK sets up: a NodeTracerProvider registered globally, a',
    'BatchSpanProcessor and the OTLP/gRPC trace exporter. `http-instr`: that pipeline with',
    '`@opentelemetry/instrumentation-http`, registered before Fastify is loaded. `http-instr-plugin`: the',
    'same plus the plugin with full capture. Requests carry `Authorization` and `x-api-key`;',
    `\`POST /users/:id\` sends the ${JSON.stringify(USER_DOCUMENT).length}-byte user document and gets it back with more fields.`,
    '',
    table,
    '',
    MATRIX_LEGEND,
    '',
    'Targets in this run:',
    '',
    ...targets
  ].join('\n')
}

function bodySizeSection (table: string, p99Target: string): string {
  return [
    '## Request body size',
    '',
    '`POST /upload` with JSON documents of 1 KiB, 64 KiB and 1 MiB (the user document plus order lines),',
    'answered with a small JSON object. `plugin-full` captures at most `maxBodyBytes` (default 65,536)',
    'of each body after redaction; bare Fastify parses the same bodies, so the ratios show what capture',
    'adds as bodies grow. Server `bodyLimit` is 2 MiB.',
    '',
    table,
    '',
    MATRIX_LEGEND,
    '',
    'Target in this run:',
    '',
    p99Target
  ].join('\n')
}

async function memorySection (args: BenchArgs, settings: RunSettings): Promise<string> {
  const runs: MemoryRun[] = []
  for (const variant of PLUGIN_AND_BARE) {
    try {
      runs.push({ variant, samples: await measureMemory(variant, LARGE_BODY, args.memoryRequests, args.memorySampleEvery, settings) })
    } catch (err) {
      runs.push({ variant, error: errorMessage(err) })
    }
  }
  return [
    '## Memory with the collector unreachable',
    '',
    `Each variant in a fresh server, the plugin aimed at \`otlpEndpoint: '${UNREACHABLE_COLLECTOR}'\` (nothing listens),`,
    `${args.memoryRequests.toLocaleString('en-US')} requests of \`${LARGE_BODY.name}\`, memory sampled every ` +
      `${args.memorySampleEvery.toLocaleString('en-US')} requests (no forced GC).`,
    '',
    memoryTable(runs),
    '',
    'Targets in this run:',
    '',
    ...memoryTargetLines(runs)
  ].join('\n')
}

async function main (): Promise<void> {
  let args: BenchArgs
  try {
    args = parseBenchArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`${errorMessage(err)}\n${USAGE}`)
    process.exit(2)
  }
  if (args.help) {
    console.log(USAGE)
    return
  }

  const profileDir = join(BENCH_DIR, 'profiles')
  if (args.profile) mkdirSync(profileDir, { recursive: true })
  const sink = await SinkProcess.start()
  const settings: RunSettings = {
    rounds: args.rounds,
    duration: args.duration,
    warmup: args.warmup,
    connections: args.connections,
    serverExecArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    sink: sink.listener(0),
    // Progress goes to stderr so stdout carries only the report.
    log: (line) => console.error(line)
  }

  try {
    settings.log('throughput')
    const routes = await measureMatrix(args.variants, MAIN_REQUESTS, settings)
    const sections = [throughputSection(matrixTable(routes), throughputTargetLines(routes))]
    if (!args.skipExtra) {
      settings.log('request body size')
      const uploads = BODY_SIZES.map(([label, bytes]) => uploadRequest(label, bytes))
      const bodies = await measureMatrix(PLUGIN_AND_BARE, uploads, settings)
      sections.push(bodySizeSection(matrixTable(bodies), p99TargetLine(bodies, LARGE_BODY)))
      settings.log('memory')
      sections.push(await memorySection(args, settings))
    }

    const report = ['# Benchmark results', '', runDescription(args), '', ...sections.flatMap((s) => [s, ''])].join('\n')
    console.log(report)
    if (args.write) {
      writeFileSync(join(BENCH_DIR, 'RESULTS.md'), report)
      settings.log(`written to ${join(BENCH_DIR, 'RESULTS.md')}`)
    }
    if (args.profile) settings.log(`CPU profiles of the servers in ${profileDir}`)
  } finally {
    await sink.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
