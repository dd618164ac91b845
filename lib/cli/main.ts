#!/usr/bin/env node
import { runCollectorCli } from './collector-command'
import { runRedactCli } from './redact-command'

const usage = `usage: apitoolkit-fastify <command> [options]

commands:
  collector [--port 4317] [--host 127.0.0.1] [--json] [--out FILE]
      receive OTLP/gRPC traces and print each APItoolkit span
  redact --path '$.user.email' [--path ...] [file]
      print the JSON of file (or standard input) as the plugin would redact it
`

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'collector') return runCollectorCli(rest)
  if (command === 'redact') return runRedactCli(rest)
  process.stderr.write(usage)
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    process.stderr.write(`apitoolkit-fastify: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
)
