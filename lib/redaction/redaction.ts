// The body redaction engine (SPEC §5). Paths are parsed once, at register time, with the `jsonpath`
// package's own parser and merged into one trie; per request only that trie is walked over the value.
// Nothing here ever evaluates code: filter and script expressions are refused when compiling.
//
// Semantics are those of `jsonpath.apply(clone, path, () => REDACTED)` applied for each path in order,
// which comes down to: every location some path matches is replaced by the marker, and a match inside
// another match disappears with it (apply writes the deepest nodes first; the outer one overwrites them).
// Deliberate differences, where `jsonpath.apply` would throw or write something absurd:
// - only own enumerable properties match (jsonpath's `key in value` also "matches" inherited members such
//   as `toString`, adding them to the body, and crashes on an array's `length`);
// - `__proto__`, `constructor` and `prototype` are redacted like any key (jsonpath throws on them);
// - `$` alone redacts the whole value (jsonpath throws); a path without `$` is read as `$.` + path
//   (jsonpath turns a leading `*` into a key named "*");
// - a descendant union or slice (`$..[a,b]`, `$..[1:2]`), a zero slice step, filter `?(...)` and script
//   `(...)` expressions are refused at compile time (jsonpath cannot apply the first ones at all);
// - a negative-step slice starting past the end skips the missing index (jsonpath throws);
// - objects without a prototype are walked like any object (jsonpath skips them).
// Deep nesting: the walk is iterative (an explicit stack of frames), so no depth can overflow it; only
// redactJsonText's JSON.stringify can (beyond a few thousand levels), and then the marker replaces the
// whole body.
import jsonpath from 'jsonpath'

export const REDACTED = '[CLIENT_REDACTED]'

/** A path `compileRedaction` cannot use; `position` is the 0-based index in `path` where it goes wrong. */
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

/** A compiled set of paths. Opaque: only `compileRedaction` makes one. */
export interface RedactionPlan {
  readonly empty: boolean
  readonly paths: readonly string[]
}

// ---- plan ------------------------------------------------------------------------------------------

type Key = string | number

/** What one path step selects among the children of a container. */
type Step =
  /** An own property, or the array element a canonical index string names (`.a`, `['a']`, `.0`). */
  | { readonly kind: 'name', readonly name: string, readonly index: number }
  /** An array element only (`[0]`); `index` is -1 when it can never match (negative). */
  | { readonly kind: 'index', readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'slice', readonly start: number | null, readonly end: number | null, readonly step: number | null }
  | { readonly kind: 'union', readonly parts: readonly Step[] }
  /**
   * jsonpath's descendant match `key == ref` (loose equality): an object key equal to `name`, or whose
   * number is `num` when the reference is a number; an array index equal to `num`.
   */
  | { readonly kind: 'loose', readonly name: string | null, readonly num: number }

interface Edge {
  readonly step: Step
  /** Descendant edges (`..`) match at any depth below the node they leave from. */
  readonly descendant: boolean
  readonly target: TrieNode
  readonly id: string
}

interface TrieNode {
  /** Some path ends here: the value at this position is replaced. */
  terminal: boolean
  readonly children: Edge[]
  readonly descendants: Edge[]
  /** A child edge is a wildcard: it needs every key of the container, not a few it can name. */
  scan: boolean
  /** No two child edges can name the same key, so the keys they name need no de-duplication. */
  distinct: boolean
}

class CompiledPlan implements RedactionPlan {
  readonly empty: boolean
  readonly paths: readonly string[]
  readonly root: TrieNode
  /** `$` alone: the whole value is replaced. */
  readonly redactsRoot: boolean

  constructor (paths: readonly string[], root: TrieNode, redactsRoot: boolean) {
    this.paths = Object.freeze([...paths])
    this.empty = paths.length === 0
    this.root = root
    this.redactsRoot = redactsRoot
    Object.freeze(this)
  }
}

function newNode (): TrieNode {
  return { terminal: false, children: [], descendants: [], scan: false, distinct: true }
}

function stepNeedsScan (step: Step): boolean {
  return step.kind === 'all'
}

/** True when the edges are plain names and indexes that can never select the same key twice. */
function namesDistinctKeys (edges: readonly Edge[]): boolean {
  const seen = new Set<string>()
  for (const { step } of edges) {
    const keys = step.kind === 'name' ? [`n${step.name}`, `i${step.index}`] : step.kind === 'index' ? [`i${step.index}`] : null
    if (keys === null) return false
    for (const key of keys) {
      if (key !== 'i-1' && seen.has(key)) return false
      seen.add(key)
    }
  }
  return true
}

/** Adds one path's steps to the trie, sharing the nodes of identical prefixes. */
function insert (root: TrieNode, steps: ReadonlyArray<{ step: Step, descendant: boolean }>): void {
  let node = root
  for (const { step, descendant } of steps) {
    const id = JSON.stringify([descendant, step])
    const edges = descendant ? node.descendants : node.children
    let edge = edges.find((e) => e.id === id)
    if (edge === undefined) {
      edge = { step, descendant, target: newNode(), id }
      edges.push(edge)
      if (!descendant && stepNeedsScan(step)) node.scan = true
      if (!descendant) node.distinct = namesDistinctKeys(node.children)
    }
    node = edge.target
  }
  node.terminal = true
}

// ---- compiling one path ----------------------------------------------------------------------------

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

/** jsonpath's integer coercion, quirks included (`1e+21` reads as 1), so slices select the same elements. */
function toInt (value: number): number {
  if (Number.isSafeInteger(value)) return value + 0 // the common case; `+ 0` turns -0 into 0 as String() would
  return Number.isFinite(value) ? parseInt(String(value), 10) : 0
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
function compilePath (path: unknown): Array<{ step: Step, descendant: boolean }> {
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

/**
 * Parses every path once and merges them into one plan. Throws RedactionPathError on the first path it
 * cannot use: a bad path is never dropped silently.
 */
export function compileRedaction (paths: readonly string[]): RedactionPlan {
  if (!Array.isArray(paths)) throw new TypeError('compileRedaction expects an array of JSONPath strings')
  const root = newNode()
  let redactsRoot = false
  for (const path of paths) {
    const steps = compilePath(path)
    if (steps.length === 0) redactsRoot = true
    else insert(root, steps)
  }
  return new CompiledPlan(paths, root, redactsRoot)
}

// ---- walking a value -------------------------------------------------------------------------------

type Container = Record<string, unknown> | unknown[]

function isContainer (value: unknown): value is Container {
  return typeof value === 'object' && value !== null
}

const hasOwnEnumerable = (value: object, key: string): boolean => Object.prototype.propertyIsEnumerable.call(value, key)

/** The slice's bounds for an array of `len`, computed as jsonpath does; null when it selects nothing. */
function sliceBounds (slice: Step & { kind: 'slice' }, len: number): { start: number, end: number, step: number } | null {
  const step = slice.step === null ? 1 : toInt(slice.step)
  let start: number | null = slice.start !== null && slice.start < 0 ? len + slice.start : slice.start
  let end: number | null = slice.end !== null && slice.end < 0 ? len + slice.end : slice.end
  start = toInt(start === 0 ? 0 : start === null ? (step > 0 ? 0 : len - 1) : start)
  end = toInt(end === 0 ? 0 : end === null ? (step > 0 ? len : -1) : end)
  if (step > 0) {
    start = Math.max(0, start)
    end = Math.min(end, len)
    return end <= start ? null : { start, end, step }
  }
  start = Math.min(len, start)
  end = Math.max(-1, end)
  return start <= end ? null : { start, end, step }
}

// The bounds of the last slice tested: a walk tests one slice against every element of one array in a row.
let lastSlice: Step | null = null
let lastLen = -1
let lastBounds: ReturnType<typeof sliceBounds> = null

function inSlice (slice: Step & { kind: 'slice' }, i: number, len: number): boolean {
  if (slice !== lastSlice || len !== lastLen) {
    lastBounds = sliceBounds(slice, len)
    lastSlice = slice
    lastLen = len
  }
  const b = lastBounds
  if (b === null || i >= len) return false
  return b.step > 0
    ? i >= b.start && i < b.end && (i - b.start) % b.step === 0
    : i <= b.start && i > b.end && (b.start - i) % -b.step === 0
}

function matches (step: Step, key: Key, isArray: boolean, len: number): boolean {
  switch (step.kind) {
    case 'name': return isArray ? key === step.index : key === step.name
    case 'index': return isArray && key === step.index
    case 'all': return true
    case 'slice': return isArray && inSlice(step, key as number, len)
    case 'union': return step.parts.some((part) => matches(part, key, isArray, len))
    case 'loose':
      if (isArray) return key === step.num
      return step.name !== null ? key === step.name : Number(key) === step.num
  }
}

/** The existing keys a step other than a wildcard selects, found without scanning the container. */
function pushNamedKeys (step: Step, value: Container, isArray: boolean, len: number, out: Key[]): void {
  if (step.kind === 'name') {
    if (isArray ? step.index >= 0 && step.index < len : hasOwnEnumerable(value, step.name)) out.push(isArray ? step.index : step.name)
  } else if (step.kind === 'index') {
    if (isArray && step.index >= 0 && step.index < len) out.push(step.index)
  } else if (step.kind === 'slice') {
    const b = isArray ? sliceBounds(step, len) : null
    if (b !== null) for (let i = b.start; b.step > 0 ? i < b.end : i > b.end; i += b.step) if (i < len) out.push(i)
  } else if (step.kind === 'union') {
    for (const part of step.parts) pushNamedKeys(part, value, isArray, len, out)
  }
}

/** The active trie positions at one container: nodes for child steps, descendant edges for `..` steps. */
interface States {
  readonly nodes: readonly TrieNode[]
  readonly descendants: readonly Edge[]
}

/** A container being walked. Frames live on an explicit stack, so no depth of nesting can overflow. */
class Frame implements States {
  readonly nodes: readonly TrieNode[]
  readonly descendants: readonly Edge[]
  readonly value: Container
  readonly isArray: boolean
  readonly len: number
  /** The keys to visit; null means every index of the array. */
  readonly keys: readonly Key[] | null
  readonly count: number
  cursor = 0
  readonly parent: Frame | null
  readonly key: Key
  /** The copy that replaces `value` once something below it is redacted. */
  copy: Container | null = null

  constructor (value: Container, states: States, parent: Frame | null, key: Key) {
    this.nodes = states.nodes
    this.descendants = states.descendants
    this.value = value
    this.isArray = Array.isArray(value)
    this.len = this.isArray ? (value as unknown[]).length : 0
    this.keys = keysToVisit(value, this.isArray, this.len, states)
    this.count = this.keys === null ? this.len : this.keys.length
    this.parent = parent
    this.key = key
  }
}

/** Every key when a wildcard, slice or `..` is active; otherwise only the named keys that exist. */
function keysToVisit (value: Container, isArray: boolean, len: number, states: States): readonly Key[] | null {
  let scan = states.descendants.length > 0
  for (const node of states.nodes) scan ||= node.scan
  if (scan) return isArray ? null : Object.keys(value)
  const keys: Key[] = []
  for (const node of states.nodes) for (const edge of node.children) pushNamedKeys(edge.step, value, isArray, len, keys)
  // Duplicates come from several trie positions, or edges of one position, naming the same key.
  const distinct = states.nodes.length === 1 && states.nodes[0].distinct
  return distinct || keys.length < 2 ? keys : [...new Set(keys)]
}

const TERMINAL = 'terminal'

/** The states a child starts with, gathered as the edges that reach it are found. */
class NextStates implements States {
  readonly nodes: TrieNode[] = []
  readonly descendants: Edge[] = []

  enter (target: TrieNode): void {
    if (this.nodes.includes(target)) return
    this.nodes.push(target)
    for (const edge of target.descendants) this.keep(edge)
  }

  keep (edge: Edge): void {
    if (!this.descendants.includes(edge)) this.descendants.push(edge)
  }
}

/** The states at child `key` of frame `f`: TERMINAL when a path ends there, null when none continues. */
function advance (f: Frame, key: Key, childIsContainer: boolean): States | typeof TERMINAL | null {
  let next: NextStates | null = null
  for (const node of f.nodes) {
    for (const edge of node.children) {
      if (!matches(edge.step, key, f.isArray, f.len)) continue
      if (edge.target.terminal) return TERMINAL
      // A path that goes on below a string or a number finds nothing there.
      if (childIsContainer) (next ??= new NextStates()).enter(edge.target)
    }
  }
  if (!childIsContainer) {
    for (const edge of f.descendants) if (edge.target.terminal && matches(edge.step, key, f.isArray, f.len)) return TERMINAL
    return null
  }
  for (const edge of f.descendants) {
    next ??= new NextStates()
    if (matches(edge.step, key, f.isArray, f.len)) {
      if (edge.target.terminal) return TERMINAL
      next.enter(edge.target)
    }
    // `..` keeps looking below this child whether or not the child itself matched.
    next.keep(edge)
  }
  return next
}

function shallowCopy (value: Container): Container {
  // Object spread defines own data properties, so an own `__proto__` key stays a key of the copy and
  // never reaches the prototype setter.
  return Array.isArray(value) ? value.slice() : { ...value }
}

function writeKey (copy: Container, key: Key, value: unknown): void {
  if (Array.isArray(copy)) {
    copy[key as number] = value
  } else if (key === '__proto__') {
    Object.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true })
  } else {
    copy[key as string] = value
  }
}

/** Copies `frame`'s container, and every ancestor not yet copied, linking each copy into its parent's. */
function ensureCopy (frame: Frame): Container {
  if (frame.copy !== null) return frame.copy
  frame.copy = shallowCopy(frame.value)
  let f = frame
  while (f.parent !== null) {
    const parent: Frame = f.parent
    const parentHadCopy = parent.copy !== null
    parent.copy ??= shallowCopy(parent.value)
    writeKey(parent.copy, f.key, f.copy)
    if (parentHadCopy) break
    f = parent
  }
  return frame.copy
}

function checkPlan (plan: RedactionPlan): CompiledPlan {
  if (plan instanceof CompiledPlan) return plan
  throw new TypeError('redaction plan must come from compileRedaction')
}

/**
 * A redacted copy of `value`; `value` itself when nothing matched. Only the containers on the way to a
 * match are copied; the input is never mutated. The walk is iterative, so any depth is safe.
 */
export function redactValue (plan: RedactionPlan, value: unknown): unknown {
  const compiled = checkPlan(plan)
  if (compiled.empty) return value
  if (compiled.redactsRoot) return REDACTED
  if (!isContainer(value)) return value
  const root = new Frame(value, { nodes: [compiled.root], descendants: compiled.root.descendants }, null, '')
  const stack: Frame[] = [root]
  while (stack.length > 0) {
    const f = stack[stack.length - 1]
    if (f.cursor >= f.count) {
      stack.pop()
      continue
    }
    const key = f.keys === null ? f.cursor : f.keys[f.cursor]
    f.cursor++
    const child = (f.value as Record<Key, unknown>)[key]
    const next = advance(f, key, isContainer(child))
    if (next === TERMINAL) writeKey(ensureCopy(f), key, REDACTED)
    else if (next !== null) stack.push(new Frame(child as Container, next, f, key))
  }
  return root.copy ?? value
}

/**
 * Parses, redacts and re-serializes JSON text. undefined when `text` is not JSON (the caller then uses the
 * marker); `text` itself when nothing matched. A redacted document too deeply nested for JSON.stringify
 * (thousands of levels) comes back as the marker alone: no part of it is sent rather than risk a leak.
 */
export function redactJsonText (plan: RedactionPlan, text: string): string | undefined {
  checkPlan(plan)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  const redacted = redactValue(plan, parsed)
  if (redacted === parsed) return text
  try {
    return JSON.stringify(redacted)
  } catch {
    return REDACTED
  }
}
