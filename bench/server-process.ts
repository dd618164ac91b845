// The runner's handle on one server process (server.ts), forked with an IPC channel.
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import {
  UNREACHABLE_COLLECTOR,
  type Pipeline,
  type RunnerMessage,
  type ServerMessage,
  type ServerStats,
  type Variant
} from './protocol'

const STOP_TIMEOUT_MS = 15_000

/** Children still running, killed if the runner exits early (an error, Ctrl-C). */
const live = new Set<ChildProcess>()
process.once('exit', () => { for (const child of live) child.kill('SIGKILL') })

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>

/** The next message of `type` from `child`; rejects if it reports a failure or exits first. */
function nextMessage<T extends ServerMessage['type']> (child: ChildProcess, type: T): Promise<MessageOf<T>> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      reject(new Error(`server process has exited (${child.signalCode ?? child.exitCode})`))
      return
    }
    const cleanup = (): void => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: ServerMessage): void => {
      if (message.type === type) {
        cleanup()
        resolve(message as MessageOf<T>)
      } else if (message.type === 'failed') {
        cleanup()
        reject(new Error(message.message))
      }
    }
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup()
      reject(new Error(`server process exited (${signal ?? code}) before sending '${type}'`))
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

export class ServerProcess {
  private constructor (private readonly child: ChildProcess, readonly baseUrl: string) {}

  get pid (): number | undefined {
    return this.child.pid
  }

  /**
   * Forks server.js for `variant` and resolves once it listens. `execArgv` are extra Node flags;
   * `launcher` is a command (with its flags) that runs Node, such as valgrind.
   */
  static async start (variant: Variant, pipeline: Pipeline, execArgv: string[] = [], launcher: string[] = []): Promise<ServerProcess> {
    const [command, ...commandArgs] = launcher
    const child = fork(join(__dirname, 'server.js'), ['--variant', variant, '--pipeline', pipeline], {
      ...(command === undefined
        ? { execArgv }
        : { execPath: command, execArgv: [...commandArgs, process.execPath, ...execArgv] }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // If a pipeline ever falls back to its default collector, nothing leaves this machine.
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: UNREACHABLE_COLLECTOR }
    })
    live.add(child)
    child.once('exit', () => live.delete(child))
    try {
      const { port } = await nextMessage(child, 'ready')
      return new ServerProcess(child, `http://127.0.0.1:${port}`)
    } catch (err) {
      child.kill('SIGKILL')
      throw err
    }
  }

  async stats (): Promise<ServerStats> {
    const reply = nextMessage(this.child, 'stats')
    this.send({ type: 'stats' })
    const { type: _type, ...stats } = await reply
    return stats
  }

  /** Graceful stop (the server flushes and exits); killed if it takes too long. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    this.send({ type: 'stop' })
    await exited
    clearTimeout(timer)
  }

  private send (message: RunnerMessage): void {
    this.child.send(message)
  }
}
