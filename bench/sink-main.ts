// The sink's process: `--listeners N` sinks (sink.ts), each on its own port, so that servers measured
// side by side are counted apart. Forked by the runner through sink-process.ts (ready, stats and stop
// go over IPC), or started by hand to export to from a server run by hand:
//   node dist/bench/sink-main.js [--listeners N]   (prints the ports, Ctrl-C prints the counts)
import { parseArgs } from 'node:util'
import { number } from './args'
import { failChild, sendToRunner } from './to-runner'
import type { RunnerMessage, SinkMessage } from './protocol'
import { startSink, type Sink } from './sink'

function stop (sinks: Sink[]): never {
  for (const sink of sinks) sink.close()
  process.exit(0)
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { listeners: { type: 'string' } } })
  const count = number('listeners', values.listeners, 1, 1)
  const sinks = await Promise.all(Array.from({ length: count }, () => startSink()))
  const ports = sinks.map((sink) => sink.port)

  if (process.send === undefined) {
    console.log(`OTLP/gRPC sink on ${ports.map((port) => `http://127.0.0.1:${port}`).join(', ')}`)
    process.once('SIGINT', () => {
      console.log(JSON.stringify(sinks.map((sink) => sink.stats())))
      stop(sinks)
    })
    return
  }
  // Orphaned by a crashed runner: do not keep the ports.
  process.once('disconnect', () => stop(sinks))
  process.on('message', (message: RunnerMessage) => {
    if (message.type === 'stop') stop(sinks)
    else sendToRunner<SinkMessage>({ type: 'stats', listeners: sinks.map((sink) => sink.stats()) })
  })
  sendToRunner<SinkMessage>({ type: 'ready', ports })
}

main().catch(failChild)
