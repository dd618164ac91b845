// Numbers for the reports: medians, and how figures and tables are printed.

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const DASH = '—'

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1)

export const integer = (n: number): string => Math.round(n).toLocaleString('en-US')

export const percent = (ratio: number | undefined): string => ratio === undefined ? DASH : `${(ratio * 100).toFixed(0)}%`

export const factor = (ratio: number | undefined): string => ratio === undefined ? DASH : `${ratio.toFixed(2)}×`

export function markdownTable (headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}
