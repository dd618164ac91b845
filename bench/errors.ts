// Error text for reports: failures of a variant are shown, never thrown past the runner.

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Node's messages often continue with a stack of bench files; the first line says what failed. */
export function firstLine (text: string): string {
  return text.split('\n')[0]
}
