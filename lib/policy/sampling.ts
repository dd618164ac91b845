// Sampling of ordinary requests, decided from the trace id alone, so every service and every span of one
// trace decides alike. What makes a request more than ordinary (an error, a 5xx, an abort, slowness) is
// only known at its end.

const TWO_TO_32 = 0x1_0000_0000

/** `rate` as the bound a trace id's 32-bit value is compared with: 0 keeps none, 1 keeps all. */
export function sampleBound (rate: number): number {
  return rate * TWO_TO_32
}

/** Whether an ordinary request of this trace is kept: the XOR of the id's four 32-bit words, below the bound. */
export function sampledByTrace (traceId: Buffer, bound: number): boolean {
  if (bound >= TWO_TO_32) return true
  const value = (traceId.readUInt32BE(0) ^ traceId.readUInt32BE(4) ^ traceId.readUInt32BE(8) ^ traceId.readUInt32BE(12)) >>> 0
  return value < bound
}
