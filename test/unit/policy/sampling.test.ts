import { test } from 'tap'
import { randomBytes } from 'node:crypto'
import { sampleBound, sampledByTrace } from '../../../lib/policy/sampling'

test('rate 0 keeps no trace, rate 1 every trace, whatever the id', async (t) => {
  const ids = [Buffer.alloc(16), Buffer.alloc(16, 0xff), ...Array.from({ length: 500 }, () => randomBytes(16))]
  t.ok(ids.every((id) => !sampledByTrace(id, sampleBound(0))))
  t.ok(ids.every((id) => sampledByTrace(id, sampleBound(1))))
})

test('the decision is the XOR of the four 32-bit words compared with rate·2³², so equal ids decide alike', async (t) => {
  for (let i = 0; i < 2000; i++) {
    const id = randomBytes(16)
    const rate = Math.random()
    const value = (id.readUInt32BE(0) ^ id.readUInt32BE(4) ^ id.readUInt32BE(8) ^ id.readUInt32BE(12)) >>> 0
    if (sampledByTrace(id, sampleBound(rate)) !== value < rate * 2 ** 32) t.fail(`id ${id.toString('hex')} at ${rate}`)
    if (sampledByTrace(Buffer.from(id), sampleBound(rate)) !== sampledByTrace(id, sampleBound(rate))) t.fail('a copy of the id decided differently')
  }
  // Words that cancel out: the smallest value, kept at any rate above 0.
  const zero = Buffer.from('0000000100000001' + '0000000000000000', 'hex')
  t.equal(sampledByTrace(zero, sampleBound(1e-9)), true)
  t.equal(sampledByTrace(Buffer.from('ffffffff000000000000000000000000', 'hex'), sampleBound(0.999)), false)
})

test('the share kept over random ids is the rate', async (t) => {
  const n = 20000
  for (const rate of [0.1, 0.5, 0.9]) {
    let kept = 0
    for (let i = 0; i < n; i++) if (sampledByTrace(randomBytes(16), sampleBound(rate))) kept++
    // Five standard deviations of Binomial(n, rate).
    const bound = 5 * Math.sqrt(n * rate * (1 - rate))
    t.ok(Math.abs(kept - n * rate) < bound, `${rate}: ${kept} of ${n}`)
  }
})
