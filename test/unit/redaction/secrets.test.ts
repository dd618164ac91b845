// The secret detector on examples: each shape, realistic and embedded in longer text; the near misses and
// ordinary strings it leaves alone; the counted work on adversarial 1 MiB strings, and that count checked
// against the characters actually read.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { containsSecret, scanSecrets, type ScanMeter } from '../../../lib/redaction/secrets'
import { jwt, luhnCheckDigit, luhnValid, READS_PER_CHAR, referenceSecret } from '../../helpers/secrets'

/**
 * What the adversarial strings below take today, at most: a tripwire for a change that makes the work grow
 * without breaking linearity. The worst repeated unit a random search over trigger fragments found
 * ("eyJ1-ghp_xoxb-B", below) takes 4.2.
 */
const ADVERSARIAL_READS_PER_CHAR = 5

function reads (text: string): { found: boolean, reads: number } {
  const meter: ScanMeter = { reads: 0 }
  const found = scanSecrets(text, meter)
  return { found, reads: meter.reads }
}

/** Asserts both entry points and the reference agree that each of `texts` is (or is not) a secret. */
function expectAll (t: Test, texts: string[], secret: boolean): void {
  for (const text of texts) {
    const label = JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)
    t.equal(containsSecret(text), secret, label)
    const metered = reads(text)
    t.equal(metered.found, secret, `${label} (metered)`)
    t.ok(metered.reads <= READS_PER_CHAR * text.length, `${label}: ${metered.reads} reads`)
    t.equal(referenceSecret(text), secret, `${label} (reference)`)
  }
}

/** Each of `secrets` alone and inside typical surroundings. */
function embedded (secrets: string[]): string[] {
  return secrets.flatMap((s) => [
    s,
    `{"value":"${s}","note":"from the test"}`,
    `prefix text: ${s}\nnext line`,
    `a=1&b=${encodeURIComponent(s).replace(/%20/g, ' ')}&c=3`,
    `(${s})`
  ])
}

/** Deterministic bytes, so that "random" blobs are the same in every run. */
function bytes (count: number, seed: string): Buffer {
  const out: Buffer[] = []
  let block = createHash('sha256').update(seed).digest()
  for (let size = 0; size < count; size += block.length) {
    out.push(block)
    block = createHash('sha256').update(block).digest()
  }
  return Buffer.concat(out).subarray(0, count)
}

const MIB = 1 << 20
const fill = (unit: string, length = MIB): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length)

t.test('card numbers: 13 to 19 digits passing Luhn, plain or in groups joined by spaces or dashes', async (t) => {
  const nineteen = '630490017740292441'
  const cards = [
    '4111111111111111', '5555555555554444', '2223003122003222', '4000056655665556', '6011111111111117',
    '378282246310005', '30569309025904', '4222222222222', '3530111333300000', nineteen + luhnCheckDigit(nineteen),
    '4111 1111 1111 1111', '4111-1111-1111-1111', '5555 5555 5555 4444', '3782 822463 10005', '3056 930902 5904',
    '4111 1111-1111 1111'
  ]
  for (const card of cards) t.ok(luhnValid(card.replace(/[ -]/g, '')), `${card} is a Luhn-valid test number`)
  expectAll(t, embedded(cards), true)
  expectAll(t, [
    'paid with 5555555555554444 yesterday',
    'card=4111-1111-1111-1111&exp=12%2F25',
    'Card: 4111111111111111 12/25', // a contiguous group inside a spaced run is checked on its own
    'exp 12/25 4111111111111111 cvc 123',
    'x4111 4111111111111111', // the first group touches a letter, the second does not
    'qty 2 4111111111111111 5', // a group between two others
    '-4111111111111111',
    'é4111111111111111é'
  ], true)
})

t.test('numbers that are not cards', async (t) => {
  const twenty = '4111111111111111111'
  const twentyDigits = twenty + luhnCheckDigit(twenty)
  const orderId = '412345678901234567890123'
  const luhnOrderId = orderId + luhnCheckDigit(orderId)
  expectAll(t, [
    '4111111111111112', '4111 1111 1111 1112', '5555555555554445', // Luhn fails
    '411111111116', '4111 1111 1116', // 12 digits
    twentyDigits, luhnOrderId, '4111111111111111' + '1234', // too long, though Luhn-valid
    '555-123-4567 555-987-6543', // two phone numbers side by side: 20 digits
    '4111  1111  1111  1111', '4111 - 1111 - 1111 - 1111', '4111--1111--1111--1111', // not single separators
    '4111.1111.1111.1111', '4111/1111/1111/1111', '4111_1111_1111_1111',
    'a4111111111111111f', 'id_4111111111111111', '4111111111111111ms', // touching a letter or `_`
    '0.4111111111111111', '4111111111111111.5', '3.4111111111111111e-7', // parts of a decimal number
    '1234567890123', '9999999999999999' // 13 and 16 digits that fail Luhn
  ], false)
})

t.test('the issuer prefix is not checked: a Luhn-valid 13-digit millisecond timestamp is a card', async (t) => {
  t.ok(luhnValid('1700000000004'))
  expectAll(t, ['1700000000004', '{"ts":"1700000000004"}'], true)
  expectAll(t, ['1700000000000', '1700000000001', '1700000000'], false)
})

t.test('JWTs, signed or not', async (t) => {
  const tokens = [
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    jwt({ sub: 'user-42', iat: 1700000000, scope: 'read write' }),
    jwt({ sub: '1' }, 'RS256', 256),
    jwt({ sub: '1', admin: true }, 'none', 0), // unsigned: the signature is empty
    jwt({ a: 1 }) // the smallest payload of a key and a value: 10 characters
  ]
  expectAll(t, embedded(tokens), true)
  expectAll(t, [
    `https://app.example.com/callback#id_token=${tokens[1]}&state=xyz`,
    `Cookie: session=${tokens[2]}; theme=dark`
  ], true)
})

t.test('what looks like the start of a JWT but is not one', async (t) => {
  const header = 'eyJhbGciOiJIUzI1NiJ9'
  const payload = 'eyJzdWIiOiIxMjM0NTY3ODkwIn0'
  expectAll(t, [
    'eyJ', `${header}`, `${header}.`, `${header}.${payload}`, // no second dot
    `${header}.e30.`, // an empty payload is too short to carry claims
    'eyJhbGci.eyJzdWIiOiIxMjM0NTY3ODkwIn0.', // a header too short
    `x${header}.${payload}.sig`, `-${header}.${payload}.sig`, // glued to other base64url
    'monkeyJumpsOverTheLazyDog.somethingElseHere.x', 'keyJar.config.value',
    `${header} . ${payload} . sig`
  ], false)
})

t.test('Bearer credentials', async (t) => {
  expectAll(t, embedded([
    'Bearer 8f14e45fceea167a5a36dedd4bea2543',
    'bearer abc123def456',
    'BEARER   ya29.a0AfH6SMBxKLzV_example-token',
    'Bearer 0123456789',
    'Bearer abcdefghijklmnopqrstuvwxyz', // no digit, but 20 characters or more
    'Bearer dGhpcyBpcyBhIHRlc3Q=',
    'Bearer abcdefgh1'
  ]), true)
  expectAll(t, ['Authorization: Bearer sl.BxyzAbc12345', '"Bearer 9f86d081884c7d659a2f"'], true)
})

t.test('"bearer" without a credential', async (t) => {
  expectAll(t, [
    'Bearer', 'Bearer ', 'Bearer abc', 'Bearer ab1', 'Bearer abcdef1', // too short
    'the bearer of this letter', 'Bearer authentication', 'bearer instruments', // prose
    'Bearer: abcdef123456', 'Bearer\tabcdef123456', 'bearer-abcdef123456', // not a space
    'unbearer 12345678abc', 'Bearer2 abcdef123456', // not the word bearer
    'Bearer ?????????????????????????'
  ], false)
})

t.test('private keys in PEM', async (t) => {
  const body = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'
  const labels = ['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'DSA PRIVATE KEY', 'OPENSSH PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK']
  expectAll(t, labels.map((label) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`), true)
  expectAll(t, [
    `-----BEGIN PRIVATE KEY-----\n${body}`, // cut off: no END line
    '-----BEGIN PRIVATE KEY-----',
    '{"key":"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n"}', // as JSON text
    `ssh key: --------BEGIN OPENSSH PRIVATE KEY-----${body}`
  ], true)
  expectAll(t, [
    `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`,
    '-----BEGIN PUBLIC KEY-----', '-----BEGIN RSA PUBLIC KEY-----', '-----BEGIN PGP PUBLIC KEY BLOCK-----',
    '-----BEGIN ', '-----BEGIN PRIVATE KEY', '-----BEGIN PRIVATE KEY----', '----BEGIN PRIVATE KEY-----',
    '-----BEGIN XPRIVATE KEY-----', '-----BEGIN PRIVATE KEYRING-----', '-----BEGIN rsa private key-----', '-----BEGIN my PRIVATE KEY-----',
    `-----BEGIN ${'A'.repeat(30)} PRIVATE KEY-----`, // a label over 40 characters
    'BEGIN PRIVATE KEY', 'the private key is stored elsewhere'
  ], false)
})

t.test('AWS access key ids', async (t) => {
  expectAll(t, embedded(['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A', 'ABIA2ABCDEFGHIJKLMNO', 'ACCA23456789ABCDEFGH']), true)
  expectAll(t, ['aws_access_key_id = AKIAIOSFODNN7EXAMPLE', '"AccessKeyId": "ASIAY34FZKBOKMUTVV7A"', 'xAKIAIOSFODNN7EXAMPLE'], true)
  expectAll(t, [
    'AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLEX', 'XAKIAIOSFODNN7EXAMPLE', '1AKIAIOSFODNN7EXAMPLE',
    'akiaiosfodnn7example', 'AKIAIOSFODNN7exampl', 'AKIA IOSFODNN7EXAMPLE',
    'AIDAJQABLZS4A3QDU576Q', 'AROADBQP57FF2AEXAMPLE', 'ANPAJ2UCCR6DPCEXAMPLE' // ids of users, roles, policies
  ], false)
})

t.test('GitHub, Stripe and Slack tokens', async (t) => {
  const alnum36 = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
  const github = ['ghp', 'gho', 'ghu', 'ghs', 'ghr'].map((p) => `${p}_${alnum36}`)
  github.push('github_pat_11ABCDEFG0123456789abc_0123456789abcdefABCDEFxyz0123456789abcdefABCDEFxyz0123456789ab')
  const stripe = ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'rk_live_51H8aBcDeFgHiJkLmNoPqRsT', 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
    'rk_test_0123456789abcdef']
  const slack = ['xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy', 'xoxp-1234567890-1234567890', 'xoxa-2-abcdef0123',
    'xoxr-abcdefghij', 'xoxs-0123456789', 'xoxo-0123456789', 'xoxe-1-abcdefgh', 'xoxe.xoxp-1-ABCDEFGHIJ']
  expectAll(t, embedded([...github, ...stripe, ...slack]), true)
  expectAll(t, [`https://x-access-token:${github[3]}@github.com/org/repo.git`, `STRIPE_KEY=${stripe[0]}`], true)
  expectAll(t, [
    `ghp_${alnum36.slice(1)}`, `ghx_${alnum36}`, `highs_${alnum36}`, `ghp-${alnum36}`, `GHP_${alnum36}`,
    'github_pat_short', 'github_pat_0123456789abcdefghij!', 'xgithub_pat_11ABCDEFG0123456789abcdef',
    'pk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_short', 'sk_prod_4eC39HqLyjWDarjtT1zdp7dc',
    'task_live_abcdefghijklmnopqrstuvwxyz', 'desk_test_abcdefghijklmnopqrstuvwxyz',
    'xoxb-123', 'xoxz-1234567890', 'xoxb_1234567890', 'fooxoxb-1234567890', 'XOXB-1234567890'
  ], false)
})

t.test('each minimum length, met and missed by one', async (t) => {
  const a = (count: number): string => 'a'.repeat(count)
  const card = (length: number): string => {
    const body = '4'.padEnd(length - 1, '1')
    return body + luhnCheckDigit(body)
  }
  const pairs: Array<[string, string]> = [
    [card(13), card(12)], [card(19), card(20)],
    ['eyJhbGciOi.eyJzdWIiOj.', 'eyJhbGciO.eyJzdWIiOj.'], ['eyJhbGciOi.eyJzdWIiOj.', 'eyJhbGciOi.eyJzdWIiO.'],
    ['Bearer abcdefg1', 'Bearer abcdef1'], [`Bearer ${a(20)}`, `Bearer ${a(19)}`],
    [`-----BEGIN ${'A'.repeat(28)} PRIVATE KEY-----`, `-----BEGIN ${'A'.repeat(29)} PRIVATE KEY-----`],
    ['AKIA0123456789ABCDEF', 'AKIA0123456789ABCDE'],
    [`ghp_${a(36)}`, `ghp_${a(35)}`], [`github_pat_${a(22)}`, `github_pat_${a(21)}`],
    [`sk_live_${a(16)}`, `sk_live_${a(15)}`], [`xoxb-${a(10)}`, `xoxb-${a(9)}`]
  ]
  expectAll(t, pairs.map(([met]) => met), true)
  expectAll(t, pairs.map(([, missed]) => missed), false)
})

t.test('ordinary strings are left alone', async (t) => {
  const image = bytes(30000, 'image').toString('base64')
  expectAll(t, [
    '', 'a', 'hello world', 'application/json; charset=utf-8', 'gzip, deflate, br', 'en-GB,en;q=0.9',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    '550e8400-e29b-41d4-a716-446655440000', '507f1f77bcf86cd799439011', createHash('sha256').update('x').digest('hex'),
    '2024-01-15T12:30:45.123Z', '2024-01-15 12:30:45', 'Mon, 15 Jan 2024 12:30:45 GMT', '1700000000',
    '+1 (555) 123-4567', '+44 20 7946 0958', '555-123-4567', '$1,234.56', '1234.5678', '0.30000000000000004',
    'john.martha@example.com', 'https://example.com/api/v1/users?page=2&sort=desc#top', '192.168.1.1', '2001:db8::8a2e:370:7334',
    '1.2.3-beta.4', 'W/"5e-1f3a9c"', 'Größe: 42 – café ☕ 😀', 'GB82 WEST 1234 5698 7654 32',
    'Bearer tokens are described in the bearer token usage document',
    JSON.stringify({ id: 42, name: 'Ada', tags: ['a', 'b'], price: 12.5, created: '2024-01-15', ok: true }),
    `data:image/png;base64,${image}`, bytes(3000, 'url').toString('base64url')
  ], false)
})

t.test('the meter counts exactly the characters read', async (t) => {
  const texts = [
    '', 'hello world', '4111 1111 1111 1111', 'Card: 4111111111111111 12/25', '4111111111111112 x',
    '1', '12', '12 ', '12-', '1 x', '1 2-3 -x 4--5', '12 x 4111111111111111', '4111111111111111 x', 'x 4111111111111111',
    'qty 2 4111111111111111 5', '0.4111111111111111',
    jwt({ sub: '1' }), 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0 x', 'Bearer abcdef1', 'Bearer      abcdefghijk2',
    '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLEX',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'github_pat_11ABCDEFG0123456789abc_', 'xoxb-1234567890', 'xoxb-12',
    fill('1 ', 4096), fill('eyJ.', 4096), fill('-----BEGIN ', 4096), fill('Bearer abcdefg ', 4096), fill(' ghp_aaaa', 4096),
    bytes(4096, 'meter').toString('base64')
  ]
  // Count the real reads by wrapping charCodeAt for the duration: the module's literals are already built.
  const charCodeAt = String.prototype.charCodeAt
  let calls = 0
  const counted = texts.map((text) => {
    calls = 0
    String.prototype.charCodeAt = function (this: string, index: number): number {
      calls++
      return charCodeAt.call(this, index)
    }
    let metered: number
    try {
      metered = reads(text).reads
    } finally {
      String.prototype.charCodeAt = charCodeAt
    }
    return { text, metered, calls }
  })
  for (const { text, metered, calls } of counted) t.equal(metered, calls, JSON.stringify(text.slice(0, 40)))
  const meter: ScanMeter = { reads: 0 }
  scanSecrets('ab', meter)
  scanSecrets('cd', meter)
  t.equal(meter.reads, 4, 'a meter adds up over scans')
})

t.test(`adversarial 1 MiB strings: at most ${ADVERSARIAL_READS_PER_CHAR} reads per character`, async (t) => {
  const cases: Array<[string, string]> = [
    ['one digit run', fill('1')],
    ['digits in groups of four', fill('4111 ')],
    ['Luhn-invalid cards joined into one run', fill('4111-1111-1111-1112 ')],
    ['Luhn-invalid cards apart', fill('4111111111111112, ')],
    ['single digits joined by spaces', fill('1 ')],
    ['single digits joined by dashes', fill('1-')],
    ['a decimal run', fill('1.')],
    ['long fractions', fill('0.83495837459827341 ')],
    ['digits against letters', fill('a4111111111111111')],
    ['eyJ repeated', fill('eyJ')],
    ['eyJ. repeated', fill('eyJ.')],
    ['eyJ at boundaries', fill(' eyJ')],
    ['a header and payload without the second dot', fill('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0 ')],
    ['headers and too-short payloads', fill('eyJhbGciOiJIUzI1NiJ9.eyJzdWI.')],
    ['one header of 1 MiB', `eyJ${fill('a', MIB - 3)}`],
    ['BEGIN repeated', fill('-----BEGIN ')],
    ['BEGIN with over-long labels', fill(`-----BEGIN ${'A'.repeat(40)} `)],
    ['BEGIN with a public key', fill('-----BEGIN PUBLIC KEY-----')],
    ['dashes', fill('-')],
    ['underscores', fill('_')],
    ['A', fill('A')],
    ['B', fill('B')],
    ['b', fill('b')],
    ['J', fill('J')],
    ['spaces', fill(' ')],
    ['ghp_ repeated', fill('ghp_')],
    ['ghp_ one short', fill(` ghp_${'a'.repeat(35)}`)],
    ['github_pat_ repeated', fill('github_pat_ ')],
    ['github_pat_ one short', fill(` github_pat_${'a'.repeat(21)}`)],
    ['sk_live_ repeated', fill('sk_live_')],
    ['sk_live_ one short', fill(` sk_live_${'a'.repeat(15)}`)],
    ['sk_ and almost test_', fill(' sk_tesx')],
    ['xoxb- repeated', fill('xoxb-.')],
    ['xoxb- one short', fill(` xoxb-${'a'.repeat(9)}`)],
    ['Bearer repeated', fill('Bearer ')],
    ['Bearer and seven characters', fill('Bearer abcdefg ')],
    ['Bearer and many spaces', `Bearer${fill(' ', MIB - 6)}`],
    ['AKIA repeated', fill('AKIA')],
    ['AKIA one short', fill(` AKIA${'A'.repeat(15)}`)],
    ['base64 of random bytes', bytes(MIB, 'adversarial').toString('base64').slice(0, MIB)],
    ['dense near misses of several shapes', fill('eyJBeAKIAAKIAb_ghp_ASIACJAA9')],
    ['dense near misses of several shapes, again', fill('eyJ9bASIAAK1-ghp_')],
    ['a key line and an almost-key', fill('PRIVATE KEY-----BEGIN ASIA7')],
    ['the worst unit found', fill('eyJ1-ghp_xoxb-B')],
    ['JSON of ordinary records', fill(JSON.stringify({ id: 1234, name: 'Ada Lovelace', email: 'ada@example.com', created: '2024-01-15T12:30:45Z', score: 0.75 }) + ',')]
  ]
  const mixed = cases.map(([, text]) => text.slice(0, 64)).join('\n')
  cases.push(['every adversarial unit, mixed', fill(mixed)])
  for (const [name, text] of cases) {
    t.equal(text.length, MIB, `${name}: 1 MiB`)
    const { found, reads: count } = reads(text)
    t.equal(found, false, `${name}: no secret`)
    t.ok(count <= READS_PER_CHAR * text.length, `${name}: within the guarantee`)
    t.ok(count <= ADVERSARIAL_READS_PER_CHAR * text.length, `${name}: ${(count / text.length).toFixed(2)} reads per character`)
  }
  // a secret at the very end of an adversarial string is still found, after linear work
  const late = `${fill('eyJ.', MIB - 40)} AKIAIOSFODNN7EXAMPLE`
  const { found, reads: count } = reads(late)
  t.ok(found, 'a key after 1 MiB of near misses')
  t.ok(count <= ADVERSARIAL_READS_PER_CHAR * late.length)
})
