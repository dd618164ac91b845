// A Fastify logger destination that keeps every line, parsed, for tests to read what the plugin logged.
import { Writable } from 'node:stream'

export interface LogLine {
  level: number
  msg: string
  err?: { type?: string, message?: string, stack?: string }
  droppedSpans?: number
  failedSpans?: number
  pendingSpans?: number
  [key: string]: unknown
}

export interface LogSink {
  /** Give it to Fastify: `Fastify({ logger: { level, stream } })`. */
  stream: Writable
  /** Every line written so far, in order. */
  lines: LogLine[]
}

export function logSink (): LogSink {
  const lines: LogLine[] = []
  let partial = ''
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      // pino writes whole lines, but nothing promises one line per chunk.
      const text = partial + chunk.toString()
      const parts = text.split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    }
  })
  return { stream, lines }
}
