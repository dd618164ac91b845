// The runner's handle on one benchmark server process (server.ts).
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { forkChild, nextMessage, sendTo, stopChild } from './child'
import { UNREACHABLE_COLLECTOR, type ServerMessage, type ServerStats, type Variant } from './protocol'

/** Longer than the server's own close timeout, which flushes the spans still queued. */
const STOP_TIMEOUT_MS = 15_000

export class ServerProcess {
  private constructor (private readonly child: ChildProcess, readonly baseUrl: string) {}

  get pid (): number | undefined {
    return this.child.pid
  }

  /**
   * Forks server.js for `variant`, exporting to `collector`, and resolves once it listens.
   * `execArgv` are extra Node flags; `launcher` is a command (with its flags) that runs Node, such
   * as valgrind.
   */
  static async start (variant: Variant, collector: string, execArgv: string[] = [], launcher: string[] = []): Promise<ServerProcess> {
    const [command, ...commandArgs] = launcher
    const child = forkChild(join(__dirname, 'server.js'), ['--variant', variant, '--collector', collector], {
      ...(command === undefined
        ? { execArgv }
        : { execPath: command, execArgv: [...commandArgs, process.execPath, ...execArgv] }),
      // Should an exporter ever ignore the address it is given, nothing leaves this machine.
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: UNREACHABLE_COLLECTOR }
    })
    try {
      const { port } = await nextMessage<ServerMessage, 'ready'>(child, 'ready')
      return new ServerProcess(child, `http://127.0.0.1:${port}`)
    } catch (err) {
      child.kill('SIGKILL')
      throw err
    }
  }

  async stats (): Promise<ServerStats> {
    const reply = nextMessage<ServerMessage, 'stats'>(this.child, 'stats')
    sendTo(this.child, { type: 'stats' })
    const { type: _type, ...stats } = await reply
    return stats
  }

  /** Graceful stop: the server flushes its spans and exits; killed if it takes too long. */
  stop (): Promise<void> {
    return stopChild(this.child, STOP_TIMEOUT_MS)
  }
}
