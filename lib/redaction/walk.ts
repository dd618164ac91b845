// Applying a plan to a value, per request: only the trie is walked, nothing is parsed. The input is never
// mutated; only the containers on the way to a match are copied. The walk is iterative (an explicit stack
// of frames), so no depth can overflow it; only redactJsonText's JSON.stringify can (beyond a few thousand
// levels), and then the marker replaces the whole body.
import { REDACTED } from '../span/names'
import { CompiledPlan, type Edge, type RedactionPlan, type TrieNode } from './compile'
import { toInt, type Step } from './step'

type Key = string | number

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
