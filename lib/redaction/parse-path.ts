// Turning one JSONPath string into the engine's steps, with the `jsonpath` package's own parser. Nothing
// here ever evaluates code: filter and script expressions are refused, and so are the forms jsonpath
// cannot apply. Every refusal names the path and the character where it goes wrong.
import jsonpath from 'jsonpath'
import { toInt, type PathStep, type Step } from './step'

/** A path the engine cannot use; `position` is the 0-based index in `path` where it goes wrong. */
export class RedactionPathError extends Error {
  readonly path: string
  readonly position: number

  constructor (path: string, position: number, reason: string) {
    super(`invalid JSONPath ${JSON.stringify(path)} at character ${position}: ${reason}`)
    this.name = 'RedactionPathError'
    this.path = path
    this.position = position
  }
}

/** What `jsonpath.parse` returns for one component. */
interface Component {
  expression: { type: string, value: unknown }
  operation?: 'member' | 'subscript'
  scope?: 'child' | 'descendant'
}

/** The bits of jsonpath's (jison) lexer used to locate errors; it is shared with its parser. */
interface JisonLexer {
  setInput: (input: string) => unknown
  lex: () => number | string
  matched: string
  match: string
}

interface JisonParser {
  lexer?: JisonLexer
  terminals_?: Record<string, string>
}

function jisonParser (): JisonParser {
  return (jsonpath as unknown as { parser?: JisonParser }).parser ?? {}
}

/** jison's token names, as they appear in its messages, in words. */
const TOKEN_WORDS: Record<string, string> = {
  DOLLAR: "'$'",
  DOT: "'.'",
  DOT_DOT: "'..'",
  STAR: "'*'",
  IDENTIFIER: 'a name',
  SCRIPT_EXPRESSION: 'a script expression',
  INTEGER: 'an integer',
  ARRAY_SLICE: 'a slice',
  FILTER_EXPRESSION: 'a filter expression',
  QQ_STRING: 'a quoted string',
  Q_STRING: 'a quoted string',
  '[': "'['",
  ']': "']'",
  ',': "','"
}

/** Turns a jison parse error into a position and a reason a person can act on. */
function describeParseError (path: string, err: unknown): RedactionPathError {
  const message = err instanceof Error ? err.message : String(err)
  const lexer = jisonParser().lexer
  // The lexer stops on the offending token: everything matched before it is the position.
  let position = 0
  let found = ''
  if (lexer !== undefined && typeof lexer.matched === 'string' && typeof lexer.match === 'string') {
    position = Math.max(0, lexer.matched.length - lexer.match.length)
    found = lexer.match
  }
  if (message.startsWith('Lexical error')) {
    return new RedactionPathError(path, position, `unexpected character ${JSON.stringify(path.charAt(position))}`)
  }
  const expecting = /Expecting (.+), got '(.*)'\s*$/.exec(message)
  if (expecting !== null) {
    const expected = [...new Set(expecting[1].split(', ').map((t) => TOKEN_WORDS[t.replace(/^'|'$/g, '')]).filter(Boolean))]
    const got = found === '' ? 'end of path' : JSON.stringify(found)
    return new RedactionPathError(path, position, `unexpected ${got}, expected ${expected.join(', ')}`)
  }
  return new RedactionPathError(path, position, message.split('\n')[0])
}

function parse (path: string): Component[] {
  try {
    return jsonpath.parse(path) as Component[]
  } catch (err) {
    throw describeParseError(path, err)
  }
}

interface Token { type: string, offset: number, text: string }

/** Re-lexes a path that parsed, to point refusals at the right character. Empty if the lexer is not reachable. */
function tokenize (path: string): Token[] {
  const { lexer, terminals_: names } = jisonParser()
  if (lexer === undefined || names === undefined) return []
  lexer.setInput(path)
  const tokens: Token[] = []
  for (let guard = 0; guard <= path.length; guard++) {
    const symbol = lexer.lex()
    const type = names[String(symbol)] ?? String(symbol)
    if (symbol === 1 || type === 'EOF') break
    tokens.push({ type, offset: lexer.matched.length - lexer.match.length, text: lexer.match })
  }
  return tokens
}

/**
 * The 0-based position of component `index` (root excluded) of `path`, or of its first token `wanted`
 * accepts. A component starts at `.`, `..`, or a `[` that does not follow `..`; a path without `$` starts
 * with one.
 */
function componentPosition (path: string, index: number, wanted: (token: Token) => boolean): number {
  const tokens = tokenize(path)
  const starts: number[] = []
  if (tokens.length > 0 && tokens[0].type !== 'DOLLAR') starts.push(0)
  tokens.forEach((token, i) => {
    const opens = token.type === 'DOT' || token.type === 'DOT_DOT' || (token.type === '[' && tokens[i - 1]?.type !== 'DOT_DOT')
    if (opens) starts.push(i)
  })
  const first = starts[index]
  if (first === undefined) return 0
  const end = starts[index + 1] ?? tokens.length
  const hit = tokens.slice(first, end).find(wanted)
  return (hit ?? tokens[first]).offset
}

/** jsonpath's reading of one slice bound: an integer, or null for an empty or odd bound. */
function sliceBound (text: string | undefined): number | null {
  return text !== undefined && /^-?[0-9]+$/.test(text) ? parseInt(text, 10) : null
}

function sliceStep (text: string): Step & { kind: 'slice' } {
  const [start, end, step] = text.split(':')
  return { kind: 'slice', start: sliceBound(start), end: sliceBound(end), step: sliceBound(step) }
}

/** A zero step would make jsonpath throw (or, once coerced to 0, loop forever). */
function hasZeroStep (slice: Step & { kind: 'slice' }): boolean {
  return slice.step !== null && (slice.step === 0 || toInt(slice.step) === 0)
}

function nameStep (name: string): Step {
  const index = /^(?:0|[1-9][0-9]*)$/.test(name) && Number(name) < 4294967295 ? Number(name) : -1
  return { kind: 'name', name, index }
}

function indexStep (value: number): Step {
  return { kind: 'index', index: Number.isSafeInteger(value) && value >= 0 ? value + 0 : -1 }
}

/** A component the engine will not run; `wanted` picks the token to point the error at. */
class Refusal extends Error {
  readonly reason: string
  readonly wanted: (token: Token) => boolean

  constructor (reason: string, wanted: (token: Token) => boolean = () => false) {
    super(reason)
    this.reason = reason
    this.wanted = wanted
  }
}

const isFilterOrScript = (token: Token): boolean => token.type === 'FILTER_EXPRESSION' || token.type === 'SCRIPT_EXPRESSION'
const NO_EVAL = 'request data must never reach an expression evaluator; name the fields with plain paths instead'

/** A union member (`[0,'a',1:2]`): the parser only allows integers, quoted strings and slices there. */
function unionPart (component: Component): Step {
  const { type, value } = component.expression
  if (type === 'numeric_literal') return indexStep(value as number)
  if (type === 'string_literal') return nameStep(value as string)
  if (type === 'slice') return checkedSlice(value as string)
  throw new Refusal(`unsupported union member ${type}`)
}

function checkedSlice (text: string): Step {
  const slice = sliceStep(text)
  if (hasZeroStep(slice)) {
    throw new Refusal('a slice step cannot be zero', (t) => t.type === 'ARRAY_SLICE' && hasZeroStep(sliceStep(t.text)))
  }
  return slice
}

function childStep (component: Component): Step {
  const { type, value } = component.expression
  const subscript = component.operation === 'subscript'
  switch (type) {
    case 'identifier': return nameStep(value as string)
    case 'string_literal': return nameStep(value as string)
    // `.0` compares String(key) with "0"; `[0]` wants an array index.
    case 'numeric_literal': return subscript ? indexStep(value as number) : nameStep(String(value))
    case 'wildcard': return { kind: 'all' }
    case 'slice': return checkedSlice(value as string)
    case 'union': return { kind: 'union', parts: (value as Component[]).map(unionPart) }
    case 'filter_expression': throw new Refusal(`filter expressions are not supported: ${NO_EVAL}`, isFilterOrScript)
    case 'script_expression': throw new Refusal(`script expressions are not supported: ${NO_EVAL}`, isFilterOrScript)
    default: throw new Refusal(`unsupported component ${type}`)
  }
}

function descendantStep (component: Component): Step {
  const { type, value } = component.expression
  const subscript = component.operation === 'subscript'
  switch (type) {
    case 'identifier':
    case 'string_literal': return { kind: 'loose', name: value as string, num: Number(value) }
    // `..[0]` compares strictly (array indexes only); `..0` loosely (also object keys such as "0").
    case 'numeric_literal': return subscript ? indexStep(value as number) : { kind: 'loose', name: null, num: value as number }
    case 'wildcard': return { kind: 'all' }
    case 'union': throw new Refusal('a descendant union ..[a,b] is not supported (the jsonpath package cannot apply it): write one path per member, such as $..a and $..b')
    case 'slice': throw new Refusal('a descendant slice ..[a:b] is not supported (the jsonpath package cannot apply it)')
    case 'filter_expression': throw new Refusal(`filter expressions are not supported: ${NO_EVAL}`, isFilterOrScript)
    case 'script_expression': throw new Refusal(`script expressions are not supported: ${NO_EVAL}`, isFilterOrScript)
    default: throw new Refusal(`unsupported component ${type}`)
  }
}

/** One path into steps; `[]` for `$` alone. */
export function parsePath (path: unknown): PathStep[] {
  if (typeof path !== 'string') throw new RedactionPathError(String(path), 0, 'a path must be a string')
  const components = parse(path)
  // A path without `$` is read as `$.` + path: it parsed as it stands, so this parses too.
  const rooted = components[0]?.expression.type === 'root' ? components : parse('$.' + path)
  return rooted.slice(1).map((component, index) => {
    const descendant = component.scope === 'descendant'
    try {
      return { step: descendant ? descendantStep(component) : childStep(component), descendant }
    } catch (err) {
      if (!(err instanceof Refusal)) throw err
      throw new RedactionPathError(path, componentPosition(path, index, err.wanted), err.reason)
    }
  })
}
