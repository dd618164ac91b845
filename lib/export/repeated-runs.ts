// Spans of one app repeat most of their attributes from one to the next (the route, the method, the
// headers of the same clients), and those come encoded ahead, one by one. A run of them that is the same
// as the run at its place in the last span is copied as one block, made the second time in a row it comes.

/** An attribute encoded ahead: its bytes never change. */
interface Encoded {
  readonly bytes: Buffer
}

/** The run last seen at one place among a span's runs. */
class Run {
  readonly parts: Encoded[] = []
  block: Buffer | undefined = undefined
}

// Spans have two or three runs; more places would only hold runs that seldom repeat.
const MAX_RUNS = 8
const runs: Run[] = Array.from({ length: MAX_RUNS }, () => new Run())

function blockOf (parts: readonly Encoded[]): Buffer {
  return Buffer.concat(parts.map((part) => part.bytes))
}

/**
 * The run of encoded attributes at `list[from]`, `list[from + 2]`… up to `to` (values between them), the
 * `index`th run of its span: its bytes as one block when it is the run the last span had at that place,
 * else undefined (the caller copies the parts), and it is remembered.
 */
export function repeatedRun (list: ReadonlyArray<unknown>, from: number, to: number, index: number): Buffer | undefined {
  if (index >= MAX_RUNS) return undefined
  const run = runs[index]
  const parts = run.parts
  const count = (to - from) / 2
  let same = parts.length === count
  for (let k = 0; same && k < count; k++) same = parts[k] === list[from + 2 * k]
  if (same) return (run.block ??= blockOf(parts))
  parts.length = 0
  for (let i = from; i < to; i += 2) parts.push(list[i] as Encoded)
  run.block = undefined
  return undefined
}
