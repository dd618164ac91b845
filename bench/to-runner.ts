// A child process's side of the IPC channel to the runner (the runner's side is child.ts).
import { errorMessage } from './errors'
import type { FailedMessage } from './protocol'

/** Sends a message from inside a child; a no-op when the process was started by hand. */
export function sendToRunner<M extends { type: string }> (message: M): void {
  process.send?.(message)
}

/**
 * Reports `err` to the runner and exits once the message is out, so the runner can say why the child
 * failed; started by hand, prints it.
 */
export function failChild (err: unknown): void {
  if (process.send === undefined) {
    console.error(err)
    process.exit(1)
  }
  process.send({ type: 'failed', message: errorMessage(err) } satisfies FailedMessage, () => process.exit(1))
}
