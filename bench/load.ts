// One autocannon run against a server, reduced to the numbers the report uses.
import autocannon from 'autocannon'
import type { RequestSpec } from './workload'

/** Runs for `duration` seconds, or for `amount` requests. */
export type LoadSettings = { connections: number } & ({ duration: number } | { amount: number })

export interface LoadResult {
  requestsPerSecond: number
  p99Ms: number
  /** Requests sent, including those still in flight when the run stopped: each still gets a span. */
  sent: number
  /** Non-2xx responses, socket errors and timeouts: any of them makes the throughput suspect. */
  failures: number
}

export async function runLoad (baseUrl: string, spec: RequestSpec, settings: LoadSettings): Promise<LoadResult> {
  const result = await autocannon({
    url: baseUrl + spec.path,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections: settings.connections,
    pipelining: 1,
    ...('amount' in settings ? { amount: settings.amount } : { duration: settings.duration })
  })
  const completed = result.requests.total
  return {
    // Completed requests over the run's wall time rather than autocannon's per-second average, which
    // has a single sample in a 1-second smoke run.
    requestsPerSecond: completed / result.duration,
    p99Ms: result.latency.p99,
    sent: result.requests.sent,
    failures: result.non2xx + result.errors + result.timeouts
  }
}
