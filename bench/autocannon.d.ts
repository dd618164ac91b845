// autocannon ships no types and @types/autocannon is not installed: this declares only the part of
// its programmatic API the benchmark uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string
      method?: 'GET' | 'POST'
      headers?: Record<string, string>
      body?: string | Buffer
      connections?: number
      pipelining?: number
      /** Seconds; ignored when `amount` is set. */
      duration?: number
      /** Stop after this many requests instead of after `duration`. */
      amount?: number
    }

    interface Histogram {
      average: number
      p50: number
      p99: number
      max: number
      total: number
    }

    interface Result {
      /** Seconds the run lasted. */
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      /** Milliseconds. */
      latency: Histogram
      /** Completed requests: `total` over the run, per-second samples otherwise. */
      requests: Histogram & { sent: number }
    }
  }

  function autocannon (options: autocannon.Options): Promise<autocannon.Result>

  export = autocannon
}
