// The runner's handle on the sink process (sink-main.ts).
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { forkChild, nextMessage, sendTo, stopChild } from './child'
import { errorMessage } from './errors'
import type { SinkMessage, SinkStats } from './protocol'

const STOP_TIMEOUT_MS = 5000

/** One listener of the sink: the collector URL to give servers, and its counts so far. */
export interface SinkListener {
  url: string
  stats (): Promise<SinkStats>
}

export class SinkProcess {
  /** The last stats query: queries go one at a time, so each reply answers the query it follows. */
  private queries: Promise<unknown> = Promise.resolve()

  private constructor (private readonly child: ChildProcess, private readonly ports: number[]) {}

  /** Forks the sink with `listeners` ports and resolves once all of them listen. */
  static async start (listeners = 1): Promise<SinkProcess> {
    const child = forkChild(join(__dirname, 'sink-main.js'), ['--listeners', String(listeners)])
    try {
      const { ports } = await nextMessage<SinkMessage, 'ready'>(child, 'ready')
      return new SinkProcess(child, ports)
    } catch (err) {
      child.kill('SIGKILL')
      throw new Error(`the sink did not start: ${errorMessage(err)}`)
    }
  }

  listener (index: number): SinkListener {
    const port = this.ports[index]
    if (port === undefined) throw new Error(`the sink has no listener ${index}`)
    return {
      url: `http://127.0.0.1:${port}`,
      stats: async () => (await this.allStats())[index]
    }
  }

  private allStats (): Promise<SinkStats[]> {
    const query = this.queries.then(async () => {
      const reply = nextMessage<SinkMessage, 'stats'>(this.child, 'stats')
      sendTo(this.child, { type: 'stats' })
      return (await reply).listeners
    })
    this.queries = query.catch(() => {})
    return query
  }

  stop (): Promise<void> {
    return stopChild(this.child, STOP_TIMEOUT_MS)
  }
}
