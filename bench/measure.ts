// The measuring loops: servers started, loaded and sampled, and what the sink received from each; no
// formatting here (see report.ts).
import { errorMessage } from './errors'
import { runLoad, type LoadResult } from './load'
import { UNREACHABLE_COLLECTOR, type Variant } from './protocol'
import { ServerProcess } from './server-process'
import type { SinkListener } from './sink-process'
import type { RequestSpec } from './workload'

export interface RunSettings {
  rounds: number
  duration: number
  warmup: number
  connections: number
  /** Extra Node flags of every server process (e.g. --cpu-prof). */
  serverExecArgv: string[]
  /** The collector of every server of the throughput runs. */
  sink: SinkListener
  /** Progress lines; the report itself is returned, not logged. */
  log: (line: string) => void
}

/** Every measured run of one variant on one request, across rounds. */
export interface Cell {
  requestsPerSecond: number[]
  p99Ms: number[]
  /** Server RSS right after each measured run. */
  rssBytes: number[]
  /** Requests sent in the measured runs. */
  sent: number
  /** Requests sent to the cell's servers in all: warm-ups and measured runs. */
  served: number
  failures: number
  /** Export calls the sink answered for the cell's servers, from their start to their graceful stop. */
  sinkCalls: number
  /** Bytes those calls carried. */
  sinkBytes: number
}

export interface Matrix {
  variants: Variant[]
  requests: RequestSpec[]
  cell (variant: Variant, request: RequestSpec): Cell | undefined
  /** Variants whose server could not start, or died, with the reason. */
  failed: Map<Variant, string>
}

/** Round r starts with the r-th variant, so no variant is always the first after the machine idles. */
function rotate<T> (items: T[], by: number): T[] {
  const k = by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

const emptyCell = (): Cell => ({
  requestsPerSecond: [], p99Ms: [], rssBytes: [], sent: 0, served: 0, failures: 0, sinkCalls: 0, sinkBytes: 0
})

/**
 * One run of `variant` on `request` in a fresh server: warm-up, then the measured run. The sink is
 * read before the server starts and after it has stopped (the graceful stop flushes every queued
 * span), and servers run one at a time, so the difference is exactly this server's exports.
 */
async function measureCell (variant: Variant, request: RequestSpec, settings: RunSettings, cell: Cell): Promise<void> {
  const sinkBefore = await settings.sink.stats()
  const server = await ServerProcess.start(variant, settings.sink.url, settings.serverExecArgv)
  try {
    const load = (duration: number): Promise<LoadResult> =>
      runLoad(server.baseUrl, request, { connections: settings.connections, duration })
    if (settings.warmup > 0) cell.served += (await load(settings.warmup)).sent
    const result = await load(settings.duration)
    const { rssBytes } = await server.stats()
    cell.requestsPerSecond.push(result.requestsPerSecond)
    cell.p99Ms.push(result.p99Ms)
    cell.rssBytes.push(rssBytes)
    cell.sent += result.sent
    cell.served += result.sent
    cell.failures += result.failures
  } finally {
    await server.stop()
  }
  const sinkAfter = await settings.sink.stats()
  cell.sinkCalls += sinkAfter.calls - sinkBefore.calls
  cell.sinkBytes += sinkAfter.bytes - sinkBefore.bytes
}

/**
 * Measures every variant on every request, `rounds` times, interleaved: each round runs each variant
 * in turn, each request in a fresh server process. A variant that fails (does not start, or its
 * server dies) is dropped with the reason, and the others go on: the plugin may be unbuilt or broken
 * while the harness is used.
 */
export async function measureMatrix (variants: Variant[], requests: RequestSpec[], settings: RunSettings): Promise<Matrix> {
  const cells = new Map<string, Cell>()
  const key = (variant: Variant, request: RequestSpec): string => `${variant}\u0000${request.name}`
  const failed = new Map<Variant, string>()

  for (let round = 0; round < settings.rounds; round++) {
    for (const variant of rotate(variants, round)) {
      for (const request of requests) {
        if (failed.has(variant)) break
        settings.log(`  round ${round + 1}/${settings.rounds} ${variant} ${request.name}`)
        const cell = cells.get(key(variant, request)) ?? emptyCell()
        cells.set(key(variant, request), cell)
        try {
          await measureCell(variant, request, settings, cell)
        } catch (err) {
          failed.set(variant, errorMessage(err))
          // Partial numbers of a failed variant would read as results.
          for (const r of requests) cells.delete(key(variant, r))
          settings.log(`  ${variant} FAILED: ${errorMessage(err)}`)
        }
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
 * Serves `total` requests to `variant` with the collector unreachable, sampling memory every `every`
 * requests: with a capped export queue, RSS levels off.
 */
export async function measureMemory (
  variant: Variant,
  request: RequestSpec,
  total: number,
  every: number,
  settings: RunSettings
): Promise<MemorySample[]> {
  const server = await ServerProcess.start(variant, UNREACHABLE_COLLECTOR, settings.serverExecArgv)
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
      settings.log(`  memory ${variant}: ${served} requests`)
      samples.push(await sample(served, result.p99Ms, result.failures))
    }
    return samples
  } finally {
    await server.stop()
  }
}
