// Merging parsed paths into one plan: a trie whose shared prefixes share nodes, built once at register
// time so that a request only walks it.
import { parsePath } from './parse-path'
import type { PathStep, Step } from './step'

/** A compiled set of paths. Opaque: only `compileRedaction` makes one. */
export interface RedactionPlan {
  /** No path to apply (secrets may still be looked for). */
  readonly empty: boolean
  readonly paths: readonly string[]
  /** Strings that look like secrets are replaced by the marker too, wherever they are. */
  readonly secrets: boolean
}

/** One step from a trie node to the next. */
export interface Edge {
  readonly step: Step
  /** Descendant edges (`..`) match at any depth below the node they leave from. */
  readonly descendant: boolean
  readonly target: TrieNode
  readonly id: string
}

export interface TrieNode {
  /** Some path ends here: the value at this position is replaced. */
  terminal: boolean
  readonly children: Edge[]
  readonly descendants: Edge[]
  /** A child edge is a wildcard: it needs every key of the container, not a few it can name. */
  scan: boolean
  /** No two child edges can name the same key, so the keys they name need no de-duplication. */
  distinct: boolean
}

/** The plan `compileRedaction` makes: the paths as given and the trie the walk follows. */
export class CompiledPlan implements RedactionPlan {
  readonly empty: boolean
  readonly paths: readonly string[]
  readonly secrets: boolean
  readonly root: TrieNode
  /** `$` alone: the whole value is replaced. */
  readonly redactsRoot: boolean

  constructor (paths: readonly string[], root: TrieNode, redactsRoot: boolean, secrets: boolean) {
    this.paths = Object.freeze([...paths])
    this.empty = paths.length === 0
    this.secrets = secrets
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
function insert (root: TrieNode, steps: readonly PathStep[]): void {
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

/**
 * Parses every path once and merges them into one plan. Throws RedactionPathError on the first path it
 * cannot use: a bad path is never dropped silently. `secrets`: the plan also withholds values that look
 * like secrets.
 */
export function compileRedaction (paths: readonly string[], { secrets = false }: { secrets?: boolean } = {}): RedactionPlan {
  if (!Array.isArray(paths)) throw new TypeError('compileRedaction expects an array of JSONPath strings')
  const root = newNode()
  let redactsRoot = false
  for (const path of paths) {
    const steps = parsePath(path)
    if (steps.length === 0) redactsRoot = true
    else insert(root, steps)
  }
  return new CompiledPlan(paths, root, redactsRoot, secrets)
}
