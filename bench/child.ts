// The runner's side of its child processes (benchmark servers and the sink): forked with an IPC
// channel, killed if the runner exits early, and awaited message by message. The child's side is
// to-runner.ts.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process'
import type { FailedMessage, RunnerMessage } from './protocol'

/** Children still running, killed if the runner exits early (an error, Ctrl-C). */
const live = new Set<ChildProcess>()
process.once('exit', () => { for (const child of live) child.kill('SIGKILL') })

/** Forks `file` with stdout and stderr shared with the runner, and tracks it until it exits. */
export function forkChild (file: string, args: string[], options: ForkOptions = {}): ChildProcess {
  const child = fork(file, args, { ...options, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function hasExited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/**
 * The next message of `type` from `child`; rejects if it reports a failure or exits first. `M` is
 * the union of the messages this kind of child sends.
 */
export function nextMessage<M extends { type: string }, T extends M['type']> (
  child: ChildProcess,
  type: T
): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    if (hasExited(child)) {
      reject(new Error(`process has exited (${child.signalCode ?? child.exitCode})`))
      return
    }
    const cleanup = (): void => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: M | FailedMessage): void => {
      if (message.type === type) {
        cleanup()
        resolve(message as Extract<M, { type: T }>)
      } else if (message.type === 'failed') {
        cleanup()
        reject(new Error((message as FailedMessage).message))
      }
    }
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup()
      reject(new Error(`process exited (${signal ?? code}) before sending '${type}'`))
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

/**
 * Sends `message` unless the channel is closed. A failed send is not thrown: the child has exited or
 * is exiting, and whoever waits for its reply (nextMessage) is told so by the exit.
 */
export function sendTo (child: ChildProcess, message: RunnerMessage): void {
  if (child.connected) child.send(message, () => {})
}

/** Asks `child` to stop and waits for it to exit; kills it after `timeoutMs`. */
export async function stopChild (child: ChildProcess, timeoutMs: number): Promise<void> {
  if (hasExited(child)) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  sendTo(child, { type: 'stop' })
  await exited
  clearTimeout(timer)
}
