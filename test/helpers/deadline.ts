// For waits on something that may never happen: fail with a message that says what did not happen, well
// before the test runner's timeout would end the file without one.

/** `promise`, or a rejection naming `what` (read when the time is up) once `ms` have passed without it settling. */
export async function within<T> (ms: number, what: string | (() => string), promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${typeof what === 'string' ? what : what()}: not within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}
