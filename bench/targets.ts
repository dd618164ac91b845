// The performance targets, and whether a run met them. Both reports state them the same way: RESULTS.md
// by requests per second and p99 latency, INSTRUCTIONS.md by instructions per request. These lines
// report one run; they are not a test.
import { factor, integer, percent } from './format'
import type { Variant } from './protocol'

/** plugin-full's share of bare Fastify: requests per second, or bare ÷ plugin-full in instructions. */
const RATIO_TARGET = 0.75
const RATIO_STRETCH = 0.85
/** plugin-full's share of bare over @fastify/otel's share of bare. */
const OVER_FASTIFY_OTEL = 1.5
/** Instructions per request the plugin may add to instrumentation-http's on GET /hello. */
const MAX_ADDED_OVER_HTTP_INSTR = 50_000
/** plugin-full's p99 latency over bare's, with 64 KiB request bodies. */
const MAX_P99_FACTOR = 2
/** plugin-full's RSS over bare's at the end of the memory run, collector unreachable. */
const MAX_RSS_OVER_BARE_MB = 100
/**
 * RSS growth over the second half of the memory run that still counts as having stopped growing:
 * without forced GC, RSS moves by a few MB with the collector's timing.
 */
const GROWTH_TOLERANCE_MB = 10

const verdict = (met: boolean): string => met ? 'met' : 'NOT met'

export const TARGETS_TEXT = [
  `plugin-full at ≥ ${percent(RATIO_TARGET)} of bare Fastify on both routes, by instructions and by throughput`,
  `(stretch ${percent(RATIO_STRETCH)}); plugin-full's share of bare ≥ ${OVER_FASTIFY_OTEL}× @fastify/otel's on both;`,
  `the plugin adds ≤ ${integer(MAX_ADDED_OVER_HTTP_INSTR)} instructions per request to instrumentation-http's on`,
  `GET /hello; with 64 KiB bodies plugin-full's p99 ≤ ${MAX_P99_FACTOR}× bare's; with the collector unreachable`,
  `plugin-full's RSS stops growing and stays within ${MAX_RSS_OVER_BARE_MB} MB of bare's.`
].join('\n')

/** Shares of bare Fastify on one request (undefined: not measured). */
export interface Shares {
  request: string
  pluginFull: number | undefined
  fastifyOtel: number | undefined
}

/** One line per request: plugin-full against bare, and against @fastify/otel. */
export function shareLines (measure: string, rows: Shares[]): string[] {
  return rows.map(({ request, pluginFull, fastifyOtel }) => {
    if (pluginFull === undefined) return `- ${request}: plugin-full or bare not measured`
    const parts = [
      `plugin-full at ${percent(pluginFull)} of bare by ${measure} (target ≥ ${percent(RATIO_TARGET)}: ` +
        `${verdict(pluginFull >= RATIO_TARGET)}; stretch ${percent(RATIO_STRETCH)}: ${verdict(pluginFull >= RATIO_STRETCH)})`
    ]
    if (fastifyOtel !== undefined) {
      const over = pluginFull / fastifyOtel
      parts.push(`${factor(over)} @fastify/otel's ${percent(fastifyOtel)} (target ≥ ${OVER_FASTIFY_OTEL}×: ${verdict(over >= OVER_FASTIFY_OTEL)})`)
    } else {
      parts.push('@fastify/otel not measured')
    }
    return `- ${request}: ${parts.join('; ')}`
  })
}

/** `added`: instructions(http-instr-plugin) − instructions(http-instr) per request on GET /hello. */
export function addedOverHttpInstrLine (added: number | undefined): string {
  if (added === undefined) return '- plugin adds over http-instr on GET /hello: http-instr or http-instr-plugin not measured'
  return `- plugin adds over http-instr on GET /hello: ${integer(added)} instructions per request ` +
    `(target ≤ ${integer(MAX_ADDED_OVER_HTTP_INSTR)}: ${verdict(added <= MAX_ADDED_OVER_HTTP_INSTR)})`
}

export function p99Line (request: string, bareMs: number | undefined, pluginFullMs: number | undefined): string {
  if (bareMs === undefined || pluginFullMs === undefined) return `- ${request}: p99 of bare or plugin-full not measured`
  // autocannon reports whole milliseconds: a bare p99 of 0 would make any ratio infinite.
  const ratio = pluginFullMs / Math.max(bareMs, 1)
  const ms = (value: number): string => `${Math.round(value * 10) / 10} ms`
  return `- ${request}: plugin-full p99 ${ms(pluginFullMs)}, bare ${ms(bareMs)}, ${factor(ratio)} ` +
    `(target ≤ ${MAX_P99_FACTOR}×: ${verdict(ratio <= MAX_P99_FACTOR)})`
}

/** RSS in bytes at each sample of a memory run, first sample before any load. */
export type RssSeries = number[]

const MiB = 1024 * 1024

/** RSS growth from the middle sample to the last, in MB. */
function secondHalfGrowthMb (rss: RssSeries): number {
  return (rss[rss.length - 1] - rss[Math.floor((rss.length - 1) / 2)]) / MiB
}

export function memoryLines (bare: RssSeries | undefined, pluginFull: RssSeries | undefined): string[] {
  if (pluginFull === undefined || pluginFull.length < 3) return ['- memory: plugin-full not measured (or fewer than 2 samples under load)']
  const growth = secondHalfGrowthMb(pluginFull)
  const lines = [
    `- plugin-full's RSS over the second half of the run: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB ` +
      `(stopped growing, within ${GROWTH_TOLERANCE_MB} MB: ${verdict(growth <= GROWTH_TOLERANCE_MB)})`
  ]
  if (bare === undefined || bare.length === 0) {
    lines.push('- bare not measured: no RSS to compare with')
  } else {
    const over = (pluginFull[pluginFull.length - 1] - bare[bare.length - 1]) / MiB
    lines.push(`- plugin-full's RSS at the end: ${over.toFixed(1)} MB over bare's ` +
      `(target ≤ ${MAX_RSS_OVER_BARE_MB} MB: ${verdict(over <= MAX_RSS_OVER_BARE_MB)})`)
  }
  return lines
}

/** What one variant sent to the sink on one request, over all its servers. */
export interface Arrival {
  variant: Variant
  request: string
  bytes: number
}

/**
 * Whether spans reached the sink: before any target, a traced variant that exported nothing would
 * look cheaper than it is.
 */
export function arrivalLines (arrivals: Arrival[]): string[] {
  // plugin-unsampled exports nothing by design: every request it serves is ordinary and left out;
  // hooks-only has nothing to export.
  const silent = arrivals.filter(({ variant, bytes }) => variant !== 'bare' && variant !== 'plugin-unsampled' && variant !== 'hooks-only' && bytes === 0)
  if (silent.length === 0) return ['- Every traced variant that was measured sent spans to the sink.']
  return silent.map(({ variant, request }) => `- NOTHING reached the sink from ${variant} on ${request}: its spans were not exported`)
}
