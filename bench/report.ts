// Turns measurements into Markdown. Every number printed comes from a Cell or MemorySample.
import { firstLine } from './errors'
import type { Cell, Matrix, MemorySample } from './measure'
import type { RequestSpec } from './workload'

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)
const integer = (n: number): string => Math.round(n).toLocaleString('en-US')
const DASH = '—'

export function markdownTable (headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

/** Median requests/s of `cell` over bare Fastify's on the same request. */
function ratioToBare (matrix: Matrix, cell: Cell, request: RequestSpec): number | undefined {
  const bare = matrix.cell('bare', request)
  if (bare === undefined) return undefined
  return median(cell.requestsPerSecond) / median(bare.requestsPerSecond)
}

const percent = (ratio: number | undefined): string => ratio === undefined ? DASH : `${(ratio * 100).toFixed(0)}%`

/** One row per request and variant, grouped by request so each variant sits next to bare. */
export function matrixTable (matrix: Matrix): string {
  const rows: string[][] = []
  for (const request of matrix.requests) {
    for (const variant of matrix.variants) {
      const cell = matrix.cell(variant, request)
      if (cell === undefined) {
        rows.push([request.name, variant, matrix.failed.has(variant) ? 'failed' : 'not measured', '', '', '', '', '', ''])
        continue
      }
      const spans = cell.spansExported
      rows.push([
        request.name,
        variant,
        integer(median(cell.requestsPerSecond)),
        percent(ratioToBare(matrix, cell, request)),
        median(cell.p99Ms).toFixed(0),
        mb(median(cell.rssBytes)),
        spans === null ? DASH : integer(spans),
        spans === null || cell.sent === 0 ? DASH : (spans / cell.sent).toFixed(2),
        integer(cell.failures)
      ])
    }
  }
  const table = markdownTable(
    ['request', 'variant', 'req/s', 'vs bare', 'p99 ms', 'RSS MB', 'spans exported', 'spans/req', 'failed req'],
    rows
  )
  const notes = [
    ...[...matrix.failed].map(([variant, reason]) => `- ${variant} ${firstLine(reason)}`),
    ...unusedProviderNotes(matrix)
  ]
  return notes.length === 0 ? table : [table, '', ...notes].join('\n')
}

/** A traced variant that exported nothing did not use the global provider (SPEC §7 requires it). */
function unusedProviderNotes (matrix: Matrix): string[] {
  return matrix.variants.filter((variant) => variant !== 'bare').flatMap((variant) => {
    const silent = matrix.requests.some((request) => matrix.cell(variant, request)?.spansExported === 0)
    return silent ? [`- ${variant} exported no span through the global provider on some request: it did not use it`] : []
  })
}

export const MATRIX_LEGEND = [
  'req/s (completed requests over the run\'s time) and p99 are medians over rounds; RSS is the',
  'server\'s right after the measured run, median over rounds; spans exported (counted after flushing',
  'the span queue) and requests sent, for spans/req, are totals over the measured runs; failed req',
  'counts non-2xx responses, socket errors and timeouts.'
].join('\n')

/** Issue 5's targets, checked against this run's medians (a report, not a test). */
export function targetLines (matrix: Matrix): string[] {
  return matrix.requests.map((request) => {
    const full = matrix.cell('plugin-full', request)
    const otel = matrix.cell('fastify-otel', request)
    if (full === undefined) return `- ${request.name}: plugin-full not measured`
    const ratio = ratioToBare(matrix, full, request)
    const parts = [
      ratio === undefined
        ? 'no bare baseline'
        : `${percent(ratio)} of bare (target ≥ 70%, stretch 80%): ${ratio >= 0.7 ? 'met' : 'NOT met'}`
    ]
    if (otel !== undefined) {
      const ahead = median(full.requestsPerSecond) > median(otel.requestsPerSecond)
      parts.push(`${ahead ? 'ahead of' : 'NOT ahead of'} @fastify/otel`)
    }
    const spanOnly = matrix.cell('span-only', request)
    const ceiling = spanOnly === undefined ? undefined : ratioToBare(matrix, spanOnly, request)
    if (ceiling !== undefined) parts.push(`the span alone (span-only) at ${percent(ceiling)} of bare`)
    return `- ${request.name}: plugin-full at ${parts.join('; ')}`
  })
}

export function memoryTable (samples: MemorySample[]): string {
  return markdownTable(
    ['requests served', 'RSS MB', 'heap used MB', 'p99 ms of the batch', 'failed req'],
    samples.map((s) => [
      integer(s.served),
      mb(s.rssBytes),
      mb(s.heapUsedBytes),
      s.p99Ms === null ? DASH : s.p99Ms.toFixed(0),
      integer(s.failures)
    ])
  )
}

/** RSS change between the first loaded sample and the last: near zero once the queue is full. */
export function memoryGrowthLine (samples: MemorySample[]): string {
  if (samples.length < 3) return ''
  const first = samples[1]
  const last = samples[samples.length - 1]
  const delta = (last.rssBytes - first.rssBytes) / 1024 / 1024
  return `RSS change from ${integer(first.served)} to ${integer(last.served)} requests: ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} MB.`
}
