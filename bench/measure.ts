// The measuring loops: servers started, loaded and sampled; no formatting here (see report.ts).
import { errorMessage } from './errors'
import { runLoad, type LoadResult } from './load'
import type { Variant } from './protocol'
import { ServerProcess } from './server-process'
import type { RequestSpec } from './workload'

export interface RunSettings {
  rounds: number
  duration: number
  warmup: number
  connections: number
  /** Extra Node flags of every server process (e.g. --cpu-prof). */
  serverExecArgv: string[]
  /** Progress lines; the report itself is returned, not logged. */
  log: (line: string) => void
}

/** Every measured run of one variant on one request, across rounds. */
export interface Cell {
  requestsPerSecond: number[]
  p99Ms: number[]
  /** Server RSS right after each measured run. */
  rssBytes: number[]
  /** Spans exported during the measured runs; null without the counting pipeline (bare Fastify). */
  spansExported: number | null
  /** Requests sent in the measured runs. */
  sent: number
  failures: number
}

export interface Matrix {
  variants: Variant[]
  requests: RequestSpec[]
  cell (variant: Variant, request: RequestSpec): Cell | undefined
  /** Variants whose server could not start, with the reason. */
  failed: Map<Variant, string>
}

/** Round r starts with the r-th variant, so no variant is always the first after the machine idles. */
function rotate<T> (items: T[], by: number): T[] {
  const k = by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

async function measureOne (server: ServerProcess, request: RequestSpec, settings: RunSettings, cell: Cell): Promise<void> {
  const load = (duration: number): Promise<LoadResult> =>
    runLoad(server.baseUrl, request, { connections: settings.connections, duration })
  if (settings.warmup > 0) await load(settings.warmup)
  // Stats flush the span queue, so the difference counts exactly the spans of the measured run.
  const before = await server.stats()
  const result = await load(settings.duration)
  const after = await server.stats()
  cell.requestsPerSecond.push(result.requestsPerSecond)
  cell.p99Ms.push(result.p99Ms)
  cell.rssBytes.push(after.rssBytes)
  cell.sent += result.sent
  cell.failures += result.failures
  if (before.spansExported !== null && after.spansExported !== null) {
    cell.spansExported = (cell.spansExported ?? 0) + after.spansExported - before.spansExported
  }
}

const emptyCell = (): Cell => ({ requestsPerSecond: [], p99Ms: [], rssBytes: [], spansExported: null, sent: 0, failures: 0 })

/**
 * Measures every variant on every request, `rounds` times, interleaved: each round runs each
 * variant in turn in a fresh server process, and each request on it (warm-up, then measured run).
 * A variant that fails (does not start, or its server dies) is dropped with the reason, and the
 * others go on: the plugin may be unbuilt or broken while the harness is used.
 */
export async function measureMatrix (variants: Variant[], requests: RequestSpec[], settings: RunSettings): Promise<Matrix> {
  const cells = new Map<string, Cell>()
  const key = (variant: Variant, request: RequestSpec): string => `${variant}\u0000${request.name}`
  const failed = new Map<Variant, string>()
  const fail = (variant: Variant, reason: string): void => {
    failed.set(variant, reason)
    // Partial numbers of a failed variant would read as results.
    for (const request of requests) cells.delete(key(variant, request))
    settings.log(`  ${variant} FAILED: ${reason}`)
  }

  for (let round = 0; round < settings.rounds; round++) {
    for (const variant of rotate(variants, round)) {
      if (failed.has(variant)) continue
      let server: ServerProcess
      try {
        server = await ServerProcess.start(variant, 'global', settings.serverExecArgv)
      } catch (err) {
        fail(variant, `did not start: ${errorMessage(err)}`)
        continue
      }
      try {
        for (const request of requests) {
          settings.log(`  round ${round + 1}/${settings.rounds} ${variant} ${request.name}`)
          const cell = cells.get(key(variant, request)) ?? emptyCell()
          cells.set(key(variant, request), cell)
          await measureOne(server, request, settings, cell)
        }
      } catch (err) {
        fail(variant, `failed while measured: ${errorMessage(err)}`)
      } finally {
        await server.stop()
      }
    }
  }
  return { variants, requests, cell: (v, r) => cells.get(key(v, r)), failed }
}

export interface MemorySample {
  served: number
  rssBytes: number
  heapUsedBytes: number
  /**
   * p99 latency of the batch that ended at this sample (null before any load): a dead collector must
   * not slow requests. Not req/s: autocannon ends an `amount` run on its next 1-second tick.
   */
  p99Ms: number | null
  failures: number
}

/**
 * Serves `total` requests to plugin-full on its own pipeline with the collector unreachable,
 * sampling memory every `every` requests: with a capped export queue RSS levels off.
 */
export async function measureMemory (
  request: RequestSpec,
  total: number,
  every: number,
  settings: RunSettings
): Promise<MemorySample[]> {
  const server = await ServerProcess.start('plugin-full', 'unreachable', settings.serverExecArgv)
  try {
    const sample = async (served: number, p99Ms: number | null, failures: number): Promise<MemorySample> => {
      const { rssBytes, heapUsedBytes } = await server.stats()
      return { served, rssBytes, heapUsedBytes, p99Ms, failures }
    }
    const samples = [await sample(0, null, 0)]
    for (let served = 0; served < total;) {
      const amount = Math.min(every, total - served)
      const result = await runLoad(server.baseUrl, request, { connections: settings.connections, amount })
      served += amount
      settings.log(`  memory: ${served} requests`)
      samples.push(await sample(served, result.p99Ms, result.failures))
    }
    return samples
  } finally {
    await server.stop()
  }
}
