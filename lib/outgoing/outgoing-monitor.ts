// `monitorOutgoing`: starts and stops the monitors of every client, once per process.
import { unwatchHttpClients, watchHttpClients } from './http-monitor'
import { unwatchUndici, watchUndici } from './undici-monitor'

// One subscription per process however many apps turn the option on, or each call would be recorded once per app.
let users = 0

/** Starts the monitors; the returned function stops them (once the last user stopped). */
export function startOutgoingMonitor (): () => void {
  if (users++ === 0) {
    watchUndici()
    watchHttpClients()
  }
  let stopped = false
  return function stopOutgoingMonitor () {
    if (stopped) return
    stopped = true
    if (--users === 0) {
      unwatchUndici()
      unwatchHttpClients()
    }
  }
}
