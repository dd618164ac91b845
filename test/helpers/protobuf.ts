// A minimal protobuf encoder, only for building decoder inputs the JS SDK never sends (kvlist, bytes,
// unknown fields, groups), and one such request.

export const enc = {
  varint (value: bigint | number): Buffer {
    let v = BigInt.asUintN(64, BigInt(value))
    const bytes: number[] = []
    do {
      const low = Number(v & 0x7fn)
      v >>= 7n
      bytes.push(v === 0n ? low : low | 0x80)
    } while (v !== 0n)
    return Buffer.from(bytes)
  },
  key (field: number, wire: number): Buffer { return enc.varint(field * 8 + wire) },
  len (field: number, payload: Buffer | string): Buffer {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
    return Buffer.concat([enc.key(field, 2), enc.varint(body.length), body])
  },
  uint (field: number, value: bigint | number): Buffer { return Buffer.concat([enc.key(field, 0), enc.varint(value)]) },
  fixed64 (field: number, value: bigint): Buffer {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(value)
    return Buffer.concat([enc.key(field, 1), b])
  },
  double (field: number, value: number): Buffer {
    const b = Buffer.alloc(8)
    b.writeDoubleLE(value)
    return Buffer.concat([enc.key(field, 1), b])
  },
  fixed32 (field: number, value: number): Buffer {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(value)
    return Buffer.concat([enc.key(field, 5), b])
  },
  kv (key: string, anyValue: Buffer): Buffer { return Buffer.concat([enc.len(1, key), enc.len(2, anyValue)]) }
}

/**
 * An ExportTraceServiceRequest with one span that uses every AnyValue type, an event, flags, and
 * unknown fields of every wire type, its scope and resource written after what they describe.
 */
export function handEncodedRequest (): Buffer {
  const any = {
    str: (s: string) => enc.len(1, s),
    bytes: (b: Buffer) => enc.len(7, b),
    int: (n: bigint) => enc.uint(3, n),
    double: (n: number) => enc.double(4, n)
  }
  const kvlist = enc.len(6, Buffer.concat([
    enc.len(1, enc.kv('inner', any.str('x'))),
    enc.len(1, enc.kv('nested', enc.len(5, enc.len(1, any.int(-1n)))))
  ]))
  const event = Buffer.concat([
    enc.fixed64(1, 11n),
    enc.len(2, 'exception'),
    enc.len(3, enc.kv('exception.type', any.str('TypeError'))),
    enc.uint(4, 3), // dropped_attributes_count: not kept
    enc.len(3, enc.kv('exception.message', any.str('boom')))
  ])
  const span = Buffer.concat([
    enc.uint(99, 12345), // unknown varint field
    enc.len(1, Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex')),
    enc.len(2, Buffer.from('1112131415161718', 'hex')),
    enc.fixed32(16, 0x301), // flags: sampled, parent known to be remote
    enc.fixed32(96, 7), // unknown fixed32
    enc.len(5, 'hand-made'),
    enc.uint(6, 5),
    enc.fixed64(7, 10n),
    enc.fixed64(8, 2n ** 64n - 1n),
    enc.len(9, enc.kv('map', kvlist)),
    enc.len(9, enc.kv('raw', any.bytes(Buffer.from([0, 255, 1])))),
    enc.len(9, enc.kv('min', any.int(-(2n ** 63n)))),
    enc.len(9, enc.kv('nan', any.double(Number.NaN))),
    enc.len(9, enc.kv('unset', Buffer.alloc(0))),
    enc.len(11, event),
    enc.fixed64(98, 7n), // unknown fixed64
    Buffer.concat([enc.key(97, 3), enc.uint(1, 1), enc.len(2, 'in a group'), enc.key(97, 4)]), // unknown group
    enc.uint(5, 1), // a known field number with the wrong wire type is skipped, not misread
    enc.len(15, Buffer.concat([enc.uint(1, 9), enc.len(2, 'bad'), enc.uint(3, 2)]))
  ])
  // The scope and the resource come after what they describe: allowed on the wire.
  const scopeSpans = Buffer.concat([enc.len(2, span), enc.len(1, Buffer.concat([enc.len(1, 'hand'), enc.len(2, '0.1'), enc.len(3, 'attr')]))])
  const resource = enc.len(1, enc.kv('service.name', any.str('svc')))
  return enc.len(1, Buffer.concat([enc.len(2, scopeSpans), enc.len(3, 'https://schema'), enc.len(1, resource)]))
}
