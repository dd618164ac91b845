// `npm run bench`: measures bare Fastify, the plugin and @fastify/otel side by side (issue 5) and
// prints a Markdown report; `--write` also saves it to bench/RESULTS.md. Flags: see args.ts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseBenchArgs, USAGE, type BenchArgs } from './args'
import { measureMatrix, measureMemory, type Matrix, type RunSettings } from './measure'
import { errorMessage, firstLine } from './errors'
import {
  MATRIX_LEGEND,
  matrixTable,
  memoryGrowthLine,
  memoryTable,
  targetLines
} from './report'
import { UNREACHABLE_COLLECTOR } from './protocol'
import { MAIN_REQUESTS, USER_DOCUMENT, uploadRequest } from './workload'

/** The source folder, not dist/bench: results and profiles belong next to the benchmark's code. */
const BENCH_DIR = join(__dirname, '..', '..', 'bench')

const BODY_SIZES: Array<[label: string, bytes: number]> = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024]
]

function runDescription (args: BenchArgs): string {
  const cpuList = cpus()
  return [
    `- Command: \`node dist/bench/run.js ${process.argv.slice(2).join(' ')}\` (what \`npm run bench\` runs after building)`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpuList.length} cores, ${cpuList[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${platform()} ${release()}; Node ${process.version}`,
    `- Load: autocannon, ${args.connections} connections, pipelining 1, from the runner process; ` +
      `each measured run ${args.duration} s after a discarded ${args.warmup} s warm-up; ` +
      `${args.rounds} round(s), variants interleaved, each in a fresh server process`
  ].join('\n')
}

function throughputSection (matrix: Matrix): string {
  return [
    '## Throughput: bare Fastify, the plugin, @fastify/otel',
    '',
    'Traced variants share one global NodeTracerProvider with a BatchSpanProcessor whose exporter',
    'serializes each batch to OTLP protobuf and discards the bytes. `span-only`: the APItoolkit span',
    'alone (bench/span-only.ts: start in onRequest, the same attributes set once and end in onResponse,',
    'nothing else), the ceiling for any plugin that sends that span. `plugin-off`: the plugin with',
    'capture off. `plugin-full`: both bodies captured, `redactHeaders: [\'x-api-key\']`,',
    '`redactRequestBody: [\'$.user.email\', \'$.user.credit_card\']`,',
    '`redactResponseBody: [\'$.user.addresses[*].zip\']`. `fastify-otel`: `@fastify/otel` with its',
    'defaults (request, handler and hook spans). Requests carry `Authorization` and `x-api-key`;',
    `\`POST /users/:id\` sends the ${JSON.stringify(USER_DOCUMENT).length}-byte user document and gets it back with more fields.`,
    '',
    matrixTable(matrix),
    '',
    MATRIX_LEGEND,
    '',
    'Targets of issue 5 in this run:',
    '',
    ...targetLines(matrix)
  ].join('\n')
}

function bodySizeSection (matrix: Matrix): string {
  return [
    '## Request body size',
    '',
    '`POST /upload` with JSON documents of 1 KiB, 64 KiB and 1 MiB (the user document plus order lines),',
    'answered with a small JSON object. `plugin-full` captures at most `maxBodyBytes` (default 65,536)',
    'of each body after redaction; bare Fastify parses the same bodies, so the ratio shows what capture',
    'adds as bodies grow. Server `bodyLimit` is 2 MiB.',
    '',
    matrixTable(matrix),
    '',
    MATRIX_LEGEND
  ].join('\n')
}

async function memorySection (args: BenchArgs, settings: RunSettings): Promise<string> {
  const heading = [
    '## Memory with the collector unreachable',
    '',
    `\`plugin-full\` on its own pipeline (no global provider, \`otlpEndpoint: '${UNREACHABLE_COLLECTOR}'\`),`,
    `${args.memoryRequests.toLocaleString('en-US')} requests of \`POST /users/:id\`, memory sampled every ` +
      `${args.memorySampleEvery.toLocaleString('en-US')} (no forced GC).`,
    ''
  ]
  try {
    const samples = await measureMemory(MAIN_REQUESTS[1], args.memoryRequests, args.memorySampleEvery, settings)
    return [...heading, memoryTable(samples), '', memoryGrowthLine(samples)].join('\n')
  } catch (err) {
    return [...heading, `Not measured: ${firstLine(errorMessage(err))}`].join('\n')
  }
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
  const settings: RunSettings = {
    rounds: args.rounds,
    duration: args.duration,
    warmup: args.warmup,
    connections: args.connections,
    serverExecArgv: args.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    // Progress goes to stderr so stdout carries only the report.
    log: (line) => console.error(line)
  }

  settings.log('throughput')
  const sections = [throughputSection(await measureMatrix(args.variants, MAIN_REQUESTS, settings))]
  if (!args.skipExtra) {
    settings.log('request body size')
    const uploads = BODY_SIZES.map(([label, bytes]) => uploadRequest(label, bytes))
    sections.push(bodySizeSection(await measureMatrix(['bare', 'plugin-full'], uploads, settings)))
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
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
