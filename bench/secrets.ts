// What the secret detector costs, in instructions counted by callgrind: per KiB of ordinary JSON text,
// per KiB of base64 and per short header value, next to a bare loop over the char codes. Each case runs
// twice under valgrind, each time in a fresh node with the same warm-up and a different number of measured
// calls; the difference of the two counts over the difference of the calls is the cost of one call, without
// node's start-up and the JIT's warm-up. Node runs single-threaded, so that when the JIT's code arrives does
// not depend on how valgrind schedules threads: the counts then repeat to within a few tenths of a percent,
// whatever else runs on the machine. Run with `node dist/bench/secrets.js` after a build; needs valgrind;
// takes about five minutes.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { containsSecret } from '../lib/redaction/secrets'
import { integer } from './format'

const WARM_CALLS = 5000
const FEW_CALLS = 5000
const MANY_CALLS = 15000

const RECORD = {
  id: 'a3c1f0de-7b2e-4f6a-9c1d-5e8b2a7f4c90',
  name: 'Ada Lovelace',
  email: 'ada.lovelace@example.com',
  created: '2024-01-15T12:30:45.123Z',
  price: '1,234.56 EUR',
  phone: '+44 20 7946 0958',
  url: 'https://shop.example.com/orders/2024/0042?ref=newsletter&utm_source=mail',
  note: 'Leave the parcel with the neighbour at number 12 if nobody answers.'
}

/** Ordinary JSON text, about 4 KiB. */
const JSON_TEXT = JSON.stringify(Array.from({ length: 12 }, (_, k) => ({ ...RECORD, seq: k, total: 19.99 * k })))

/** Pseudo-random base64, 4 KiB: a blob holds many of the trigger characters. */
const BASE64 = Buffer.from(Array.from({ length: 3072 }, (_, k) => (k * 7919 + (k >> 3) * 104729) & 255)).toString('base64')

const HEADER_VALUES = [
  'application/json', 'application/json; charset=utf-8', 'gzip, deflate, br', 'en-GB,en;q=0.9', 'keep-alive',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'a3c1f0de-7b2e-4f6a-9c1d-5e8b2a7f4c90', 'no-cache', 'W/"5e-1f3a9c"', 'shop.example.com', '1234'
]

/** A loop that reads every char code and does nothing else: the floor for any scan. */
function readAll (text: string): boolean {
  let sum = 0
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i)
  return sum === -1
}

interface Case {
  name: string
  /** What one call of `run` stands for, in the report. */
  per: string
  units: number
  run: () => boolean
}

const CASES: Case[] = [
  { name: 'ordinary JSON', per: 'KiB', units: JSON_TEXT.length / 1024, run: () => containsSecret(JSON_TEXT) },
  { name: 'ordinary JSON, bare read loop', per: 'KiB', units: JSON_TEXT.length / 1024, run: () => readAll(JSON_TEXT) },
  { name: 'base64', per: 'KiB', units: BASE64.length / 1024, run: () => containsSecret(BASE64) },
  {
    name: 'short header values',
    per: 'value',
    units: HEADER_VALUES.length,
    run: () => {
      let found = false
      for (const v of HEADER_VALUES) found = containsSecret(v) || found
      return found
    }
  }
]

/** In the child: warm up, then make `calls` calls of the case. */
function child (name: string, calls: number): void {
  const c = CASES.find((x) => x.name === name)
  if (c === undefined) throw new Error(`no case ${name}`)
  let found = false
  for (let k = 0; k < WARM_CALLS; k++) found = c.run() || found
  for (let k = 0; k < calls; k++) found = c.run() || found
  if (found) throw new Error(`${name}: a secret in ordinary text`)
}

/** Instructions of a fresh single-threaded node making `calls` calls of the case under callgrind. */
function instructions (name: string, calls: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-secrets-'))
  try {
    execFileSync('valgrind', ['--quiet', '--tool=callgrind', '--dump-instr=no', `--callgrind-out-file=${join(dir, 'cg')}`,
      process.execPath, '--single-threaded', __filename, '--child', name, String(calls)], { stdio: 'inherit' })
    const line = readFileSync(join(dir, 'cg'), 'utf8').split('\n').find((l) => l.startsWith('summary:'))
    if (line === undefined) throw new Error('no summary line')
    return Number(line.slice('summary:'.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function main (): void {
  process.stdout.write(`secret detector, instructions (${MANY_CALLS - FEW_CALLS} calls counted per case)\n`)
  for (const c of CASES) {
    const perCall = (instructions(c.name, MANY_CALLS) - instructions(c.name, FEW_CALLS)) / (MANY_CALLS - FEW_CALLS)
    process.stdout.write(`  ${c.name.padEnd(32)} ${integer(perCall / c.units).padStart(8)} instructions per ${c.per}\n`)
  }
}

if (process.argv[2] === '--child') child(process.argv[3], Number(process.argv[4]))
else main()
