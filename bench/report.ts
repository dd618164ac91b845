// Turns measurements of `npm run bench` into Markdown. Every number printed comes from a Cell or a
// MemorySample.
import { firstLine } from './errors'
import { DASH, factor, integer, markdownTable, mb, median, percent } from './format'
import type { Cell, Matrix, MemorySample } from './measure'
import type { Variant } from './protocol'
import { arrivalLines, memoryLines, p99Line, shareLines } from './targets'
import type { RequestSpec } from './workload'

/** Median requests/s of `variant` over bare Fastify's on the same request. */
function shareOfBare (matrix: Matrix, variant: Variant, request: RequestSpec): number | undefined {
  const cell = matrix.cell(variant, request)
  const bare = matrix.cell('bare', request)
  if (cell === undefined || bare === undefined) return undefined
  return median(cell.requestsPerSecond) / median(bare.requestsPerSecond)
}

function p99OverBare (matrix: Matrix, cell: Cell, request: RequestSpec): number | undefined {
  const bare = matrix.cell('bare', request)
  // autocannon reports whole milliseconds: a bare p99 of 0 would make any ratio infinite.
  return bare === undefined ? undefined : median(cell.p99Ms) / Math.max(median(bare.p99Ms), 1)
}

/** One row per request and variant, grouped by request so each variant sits next to bare. */
export function matrixTable (matrix: Matrix): string {
  const rows: string[][] = []
  for (const request of matrix.requests) {
    for (const variant of matrix.variants) {
      const cell = matrix.cell(variant, request)
      if (cell === undefined) {
        rows.push([request.name, variant, matrix.failed.has(variant) ? 'failed' : 'not measured', '', '', '', '', '', '', ''])
        continue
      }
      rows.push([
        request.name,
        variant,
        integer(median(cell.requestsPerSecond)),
        percent(shareOfBare(matrix, variant, request)),
        median(cell.p99Ms).toFixed(0),
        factor(p99OverBare(matrix, cell, request)),
        mb(median(cell.rssBytes)),
        integer(cell.sinkCalls),
        cell.served === 0 ? DASH : integer(cell.sinkBytes / cell.served),
        integer(cell.failures)
      ])
    }
  }
  const table = markdownTable(
    ['request', 'variant', 'req/s', 'vs bare', 'p99 ms', 'p99 ÷ bare', 'RSS MB', 'export calls', 'bytes/req to sink', 'failed req'],
    rows
  )
  const notes = [
    ...[...matrix.failed].map(([variant, reason]) => `- ${variant} failed: ${firstLine(reason)}`),
    ...sinkNotes(matrix)
  ]
  return [table, '', ...notes].join('\n')
}

function sinkNotes (matrix: Matrix): string[] {
  return arrivalLines(matrix.variants.flatMap((variant) => matrix.requests.flatMap((request) => {
    const cell = matrix.cell(variant, request)
    return cell === undefined ? [] : [{ variant, request: request.name, bytes: cell.sinkBytes }]
  })))
}

export const MATRIX_LEGEND = [
  'req/s (completed requests over the run\'s time) and p99 are medians over rounds, each with its ratio',
  'to bare Fastify\'s median; RSS is the server\'s right after the measured run, median over rounds.',
  'Export calls and bytes are what the sink received from the servers over their whole life (warm-ups',
  'included, queues flushed at their graceful stop), totals over rounds; bytes/req divides them by',
  'every request those servers were sent. failed req counts non-2xx responses, socket errors and',
  'timeouts of the measured runs.'
].join('\n')

export function throughputTargetLines (matrix: Matrix): string[] {
  return shareLines('throughput', matrix.requests.map((request) => ({
    request: request.name,
    pluginFull: shareOfBare(matrix, 'plugin-full', request),
    fastifyOtel: shareOfBare(matrix, 'fastify-otel', request)
  })))
}

export function p99TargetLine (matrix: Matrix, request: RequestSpec): string {
  const p99 = (variant: Variant): number | undefined => {
    const cell = matrix.cell(variant, request)
    return cell === undefined ? undefined : median(cell.p99Ms)
  }
  return p99Line(request.name, p99('bare'), p99('plugin-full'))
}

export interface MemoryRun {
  variant: Variant
  /** Undefined when the run failed, with the reason in `error`. */
  samples?: MemorySample[]
  error?: string
}

/** One row per sample, each variant's figures side by side. */
export function memoryTable (runs: MemoryRun[]): string {
  const measured = runs.filter((run): run is MemoryRun & { samples: MemorySample[] } => run.samples !== undefined)
  const longest = measured.reduce<MemorySample[]>((a, run) => run.samples.length > a.length ? run.samples : a, [])
  const headers = ['requests served', ...measured.flatMap(({ variant }) =>
    [`${variant} RSS MB`, `${variant} heap MB`, `${variant} p99 ms`, `${variant} failed req`])]
  const rows = longest.map((_, i) => [
    integer(longest[i].served),
    ...measured.flatMap(({ samples }) => {
      const s = samples[i]
      if (s === undefined) return [DASH, DASH, DASH, DASH]
      return [mb(s.rssBytes), mb(s.heapUsedBytes), s.p99Ms === null ? DASH : s.p99Ms.toFixed(0), integer(s.failures)]
    })
  ])
  const failures = runs.filter((run) => run.error !== undefined).map((run) => `- ${run.variant} not measured: ${firstLine(run.error ?? '')}`)
  return [markdownTable(headers, rows), ...(failures.length === 0 ? [] : ['', ...failures])].join('\n')
}

export function memoryTargetLines (runs: MemoryRun[]): string[] {
  const rss = (variant: Variant): number[] | undefined =>
    runs.find((run) => run.variant === variant)?.samples?.map((s) => s.rssBytes)
  return memoryLines(rss('bare'), rss('plugin-full'))
}
