import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** This package's name and version, read from its package.json (from the sources or from dist/). */
function readPackage (): { name: string, version: string } {
  let dir = __dirname
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === 'apitoolkit-fastify' && typeof pkg.version === 'string') return { name: pkg.name, version: pkg.version }
    } catch {
      // Not here: look one folder up.
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('apitoolkit-fastify: its package.json was not found')
    dir = parent
  }
}

export const PACKAGE = readPackage()
