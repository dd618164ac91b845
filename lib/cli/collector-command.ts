// `apitoolkit-fastify collector`: run the local OTLP/gRPC receiver in the foreground and print
// what arrives until SIGINT/SIGTERM.
import * as fs from 'node:fs'
import { parseArgs } from 'node:util'
import { startCollector, PortInUseError, type Collector } from '../collector/collector-server'
import { createSpanPrinter } from '../collector/collector-format'

export const collectorUsage = `usage: apitoolkit-fastify collector [--port 4317] [--host 127.0.0.1] [--json] [--out FILE]

Receives OTLP/gRPC traces and prints each APItoolkit span: one block per request, outgoing calls
nested under it, bodies decoded, errors from its exception events. The project key is masked.
Stop with Ctrl-C.

  --port N     port to listen on (default 4317; 0 picks a free one and prints it)
  --host H     address to listen on (default 127.0.0.1)
  --json       one JSON line per span (events and status included) instead of readable blocks
  --out FILE   append to FILE instead of standard output
`

/** Where the CLI writes, and (for running it inside another program) a way to stop it. */
export interface CollectorCliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** aborting stops the collector as SIGINT does */
  signal?: AbortSignal
}

interface CollectorArgs {
  host: string
  port: number
  json: boolean
  out?: string
  help: boolean
}

/** Parses the flags; a string result is the reason they are wrong. */
export function parseCollectorArgs (argv: string[]): CollectorArgs | string {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
  const portText = values.port ?? '4317'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) return `--port must be a number from 0 to 65535, got '${portText}'`
  if (values.host === '') return '--host must not be empty'
  if (values.out === '') return '--out must name a file'
  return { host: values.host ?? '127.0.0.1', port, json: values.json === true, out: values.out, help: values.help === true }
}

/** Resolves when SIGINT, SIGTERM or the abort signal arrives, removing every listener it added. */
function waitForStop (signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    if (signal?.aborted === true) return stop()
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    signal?.addEventListener('abort', stop)
  })
}

/** A writer for --out FILE (appended, written synchronously so nothing is lost on exit) or stdout. */
function openOutput (out: string | undefined, stdout: NodeJS.WritableStream): { write: (text: string) => void, close: () => void } {
  if (out === undefined) return { write: (text) => { stdout.write(text) }, close: () => {} }
  const fd = fs.openSync(out, 'a')
  return { write: (text) => { fs.writeSync(fd, text) }, close: () => { fs.closeSync(fd) } }
}

async function start (args: CollectorArgs, write: (text: string) => void, io: CollectorCliIo): Promise<{ collector: Collector, flush: () => void } | number> {
  const printer = createSpanPrinter({ write, json: args.json })
  try {
    const collector = await startCollector({
      host: args.host,
      port: args.port,
      onSpans: (spans) => printer.push(spans),
      // The sender only sees INVALID_ARGUMENT; say here what was wrong with its bytes.
      onDecodeError: (err) => { io.stderr.write(`apitoolkit-fastify collector: rejected an export request: ${err.message}\n`) }
    })
    return { collector, flush: () => printer.flush() }
  } catch (err) {
    if (err instanceof PortInUseError) {
      io.stderr.write(`apitoolkit-fastify collector: ${err.message}; stop whatever listens there or choose another --port\n`)
      return 2
    }
    io.stderr.write(`apitoolkit-fastify collector: cannot listen on ${args.host}:${args.port}: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

/** Runs `collector` with its flags; resolves to the exit code (0 after a signal, 2 for bad use). */
export async function runCollectorCli (argv: string[], io: CollectorCliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const args = parseCollectorArgs(argv)
  if (typeof args === 'string') {
    io.stderr.write(`apitoolkit-fastify collector: ${args}\n${collectorUsage}`)
    return 2
  }
  if (args.help) {
    io.stdout.write(collectorUsage)
    return 0
  }
  let output
  try {
    output = openOutput(args.out, io.stdout)
  } catch (err) {
    io.stderr.write(`apitoolkit-fastify collector: cannot open --out file: ${err instanceof Error ? err.message : String(err)}\n`)
    return 2
  }
  const started = await start(args, output.write, io)
  if (typeof started === 'number') {
    output.close()
    return started
  }
  const where = args.out === undefined ? '' : `writing spans to ${args.out}\n`
  io.stderr.write(`collector listening on ${started.collector.endpoint.replace(/^http:\/\//, '')}\n${where}`)
  await waitForStop(io.signal)
  started.flush() // outgoing calls still waiting for their request are printed, not lost
  await started.collector.close()
  output.close()
  return 0
}
