// `outgoingWildcards`: route templates such as `/items/:id` that outgoing calls are filed under, so calls
// to `/items/1` and `/items/2` show as one endpoint. Checked and compiled once, at register time.

/** A segment of a template: a literal to match exactly, or null for a `:name` parameter. */
type Segment = string | null

interface Template {
  text: string
  segments: Segment[]
}

export class UrlWildcardError extends Error {
  constructor (readonly index: number, message: string) {
    super(message)
    this.name = 'UrlWildcardError'
  }
}

/** Finds the template a URL path matches: first in the order given, every segment matching. */
export class UrlWildcards {
  /** By segment count: a path is only tried against templates of its length. */
  private readonly byLength = new Map<number, Template[]>()

  constructor (templates: readonly Template[]) {
    for (const template of templates) {
      const list = this.byLength.get(template.segments.length) ?? []
      list.push(template)
      this.byLength.set(template.segments.length, list)
    }
  }

  /** The template `pathname` matches, or undefined. */
  match (pathname: string): string | undefined {
    if (this.byLength.size === 0) return undefined
    const parts = pathname.split('/')
    const candidates = this.byLength.get(parts.length)
    if (candidates === undefined) return undefined
    return candidates.find((t) => t.segments.every((s, i) => s === null ? parts[i] !== '' : s === parts[i]))?.text
  }
}

function parse (text: string, index: number): Template {
  const fail = (why: string): never => { throw new UrlWildcardError(index, `${JSON.stringify(text)} ${why}`) }
  if (!text.startsWith('/')) fail('must start with /')
  if (/[?#\s]/.test(text)) fail('must be a path alone: no query, fragment or white space')
  const names = new Set<string>()
  const segments = text.split('/').map((segment): Segment => {
    if (!segment.startsWith(':')) return segment
    const name = segment.slice(1)
    if (name === '') fail('has a parameter without a name (a lone ":")')
    if (names.has(name)) fail(`names the parameter :${name} twice`)
    names.add(name)
    return null
  })
  return { text, segments }
}

/** Checks and compiles the templates; throws UrlWildcardError naming the first bad one. */
export function compileUrlWildcards (texts: readonly string[]): UrlWildcards {
  return new UrlWildcards(texts.map(parse))
}
