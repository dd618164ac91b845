import type { OtlpSpan } from '../export/otlp-encoder'
import type { SpanSink } from '../span/apitoolkit-span'

// An unsampled request can still be kept (an error, a 5xx, slowness): its outgoing calls wait for that
// decision, up to this many; a request making more calls than that keeps only the first ones.
const MAX_HELD = 128

/**
 * Where the outgoing spans of a request not sampled by its trace id go until the request ends: held,
 * then sent or dropped with it. Calls that end after the request follow its decision at once.
 */
export class HeldSpans implements SpanSink {
  private held: OtlpSpan[] = []
  private kept: boolean | undefined = undefined

  constructor (private readonly sink: SpanSink) {}

  submit (span: OtlpSpan): void {
    if (this.kept === true) this.sink.submit(span)
    else if (this.kept === undefined && this.held.length < MAX_HELD) this.held.push(span)
  }

  /** The request ended: its decision applies to what is held and to what comes later. */
  decide (kept: boolean): void {
    if (this.kept !== undefined) return
    this.kept = kept
    const held = this.held
    this.held = []
    if (kept) for (const span of held) this.sink.submit(span)
  }
}
