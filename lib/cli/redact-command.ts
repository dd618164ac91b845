// `apitoolkit-fastify redact`: a preview of JSON redaction. It runs the plugin's own engine, so
// what it prints is what the span would carry for a JSON body with these paths.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { compileRedaction, redactValue, RedactionPathError, type RedactionPlan } from '../redaction'

export interface RedactCliIo {
  stdin: NodeJS.ReadableStream
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

const USAGE = `usage: apitoolkit-fastify redact --path '$.user.email' [--path ...] [file]

Prints the JSON of file (or standard input, also with file "-") as the plugin would redact it.
  --path, -p PATH   a JSONPath to redact, as in redactRequestBody / redactResponseBody (repeatable)
  --help, -h        this help
`

/** A problem with how the command was called or with its input: exit code 2. */
class InputError extends Error {
  /** The command line itself is wrong: the usage helps. */
  readonly showUsage: boolean

  constructor (message: string, showUsage = false) {
    super(message)
    this.showUsage = showUsage
  }
}

interface Args {
  paths: string[]
  file: string | undefined
  help: boolean
}

// Not strict: strict mode refuses an option value that starts with '-' (an argument after --path is
// always its value), and its errors are worded for node; reading the tokens keeps this command's own.
function parseRedactArgs (argv: string[]): Args {
  const { tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      path: { type: 'string', short: 'p', multiple: true },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const args: Args = { paths: [], file: undefined, help: false }
  const files: string[] = []
  for (const token of tokens) {
    if (token.kind === 'positional') {
      files.push(token.value)
    } else if (token.kind === 'option' && token.name === 'path') {
      if (token.value === undefined) throw new InputError(`${token.rawName} needs a JSONPath, such as --path '$.user.email'`, true)
      args.paths.push(token.value)
    } else if (token.kind === 'option' && token.name === 'help' && token.value === undefined) {
      args.help = true
    } else if (token.kind === 'option') {
      throw new InputError(`unknown option ${argv[token.index]}`, true)
    }
  }
  if (files.length > 1) throw new InputError(`one input file at most, got ${files.length}: ${files.join(' ')}`, true)
  args.file = files[0] === '-' ? undefined : files[0]
  return args
}

function compile (paths: string[]): RedactionPlan {
  if (paths.length === 0) throw new InputError("at least one --path is required, such as --path '$.user.email'", true)
  try {
    return compileRedaction(paths)
  } catch (err) {
    if (err instanceof RedactionPathError) throw new InputError(err.message)
    throw err
  }
}

async function readStream (stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}

async function readInput (file: string | undefined, stdin: NodeJS.ReadableStream): Promise<string> {
  try {
    return file === undefined ? await readStream(stdin) : await readFile(file, 'utf8')
  } catch (err) {
    throw new InputError(`cannot read ${file ?? 'standard input'}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function parseJson (text: string, source: string): unknown {
  try {
    // Editors on some systems save a byte order mark, which JSON.parse refuses.
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text)
  } catch (err) {
    throw new InputError(`${source} is not JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function print (value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) + '\n'
  } catch {
    // Only a document nested thousands of levels deep gets here (the plugin sends the marker for it).
    throw new InputError('cannot print the result: the document is nested too deeply')
  }
}

/** Runs `redact` with `argv` (after the command name); resolves to the exit code. */
export async function runRedactCli (
  argv: string[],
  io: RedactCliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
): Promise<number> {
  try {
    const args = parseRedactArgs(argv)
    if (args.help) {
      io.stdout.write(USAGE)
      return 0
    }
    // Paths first: a bad path is reported without waiting for standard input.
    const plan = compile(args.paths)
    const text = await readInput(args.file, io.stdin)
    const value = parseJson(text, args.file ?? 'standard input')
    io.stdout.write(print(redactValue(plan, value)))
    return 0
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    io.stderr.write(`apitoolkit-fastify redact: ${err.message}\n`)
    if (err.showUsage) io.stderr.write(USAGE)
    return 2
  }
}
