import { encodeSpanAttribute, type AttributeKey, type AttributeList, type EncodedAttribute } from '../export/otlp-encoder'

/**
 * An attribute whose value is most often the last span's (the host, the route, the method, the status):
 * while it repeats, it goes encoded once, so that the encoder copies it with the attributes around it.
 */
export class RepeatingAttribute {
  private lastValue: string | number | undefined = undefined
  private lastAttribute: EncodedAttribute | undefined = undefined

  constructor (private readonly key: AttributeKey) {}

  push (out: Array<AttributeList[number]>, value: string | number): void {
    if (value === this.lastValue) {
      out.push(this.lastAttribute ??= encodeSpanAttribute(this.key, value), null)
      return
    }
    this.lastValue = value
    this.lastAttribute = undefined
    out.push(this.key, value)
  }
}
