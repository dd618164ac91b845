// Command-line flags: run.ts's, and the helpers the other entry points parse theirs with.
// `npm run bench -- --quick` passes them through npm.
import { parseArgs } from 'node:util'
import { OPTION_VARIANTS, VARIANTS, type Variant } from './protocol'

export interface BenchArgs {
  rounds: number
  /** Seconds of each measured run. */
  duration: number
  /** Seconds of the discarded run before each measured one; 0 for none. */
  warmup: number
  connections: number
  /** Variants of the main comparison, in order. */
  variants: Variant[]
  skipExtra: boolean
  write: boolean
  profile: boolean
  memoryRequests: number
  memorySampleEvery: number
  help: boolean
}

export const USAGE = `usage: node dist/bench/run.js [flags]
  --rounds N            interleaved rounds (default 3)
  --duration S          seconds per measured run (default 5)
  --warmup S            seconds of discarded warm-up before each measured run (default 2)
  --connections N       autocannon connections (default 50)
  --variants a,b        main comparison only for these (default ${VARIANTS.join(',')})
  --quick               smoke run: 1 round, 1 s runs, 1 s warm-up, 10,000 requests for memory
  --skip-extra          skip the body-size and memory sections
  --memory-requests N   64 KiB requests of the memory section (default 100000)
  --memory-every N      sample RSS every N requests (default 20000)
  --profile             servers run with --cpu-prof; profiles go to bench/profiles/
  --write               write the report to bench/RESULTS.md
  --help                this text`

const DEFAULTS = { rounds: 3, duration: 5, warmup: 2, connections: 50, memoryRequests: 100_000, memorySampleEvery: 20_000 }
const QUICK = { rounds: 1, duration: 1, warmup: 1, connections: 50, memoryRequests: 10_000, memorySampleEvery: 2_000 }

/** An integer flag of at least `min`, or `fallback` when absent. */
export function number (flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer ≥ ${min}; got '${value}'`)
  return n
}

/** One variant's name, checked against the known variants. */
export function variantName (flag: string, name: string): Variant {
  const known: readonly string[] = [...VARIANTS, ...OPTION_VARIANTS]
  if (!known.includes(name)) {
    throw new Error(`--${flag}: unknown variant '${name}' (known: ${known.join(', ')})`)
  }
  return name as Variant
}

/** `--variants a,b`, checked against the known variants; `defaults` when the flag is absent. */
export function variantList (value: string | undefined, defaults: readonly Variant[] = VARIANTS): Variant[] {
  if (value === undefined) return [...defaults]
  return value.split(',').map((name) => variantName('variants', name))
}

export function parseBenchArgs (argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      variants: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'skip-extra': { type: 'boolean', default: false },
      'memory-requests': { type: 'string' },
      'memory-every': { type: 'string' },
      profile: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  // Explicit flags win over --quick's presets.
  const base = values.quick ? QUICK : DEFAULTS
  const args: BenchArgs = {
    rounds: number('rounds', values.rounds, base.rounds, 1),
    duration: number('duration', values.duration, base.duration, 1),
    warmup: number('warmup', values.warmup, base.warmup, 0),
    connections: number('connections', values.connections, base.connections, 1),
    variants: variantList(values.variants),
    skipExtra: values['skip-extra'],
    write: values.write,
    profile: values.profile,
    memoryRequests: number('memory-requests', values['memory-requests'], base.memoryRequests, 1),
    memorySampleEvery: number('memory-every', values['memory-every'], base.memorySampleEvery, 1),
    help: values.help
  }
  if (args.memorySampleEvery < args.connections) {
    // autocannon refuses an amount smaller than its connection count.
    throw new Error(`--memory-every (${args.memorySampleEvery}) must be at least --connections (${args.connections})`)
  }
  return args
}
