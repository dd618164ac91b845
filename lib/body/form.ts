// An `application/x-www-form-urlencoded` body as the span records it: like the query, every field an
// array of its values as strings, so a JSONPath such as `$.password` replaces all of a field's values.

export type FormFields = Record<string, string[]>

// Without a prototype, a field named `__proto__` is an ordinary key.
const newFields = (): FormFields => Object.create(null) as FormFields

export function formFromText (text: string): FormFields {
  const fields = newFields()
  new URLSearchParams(text).forEach((value, name) => { (fields[name] ??= []).push(value) })
  return fields
}

/** A value a form parser gave that is not a string (a number, a nested object): its JSON text. */
function fieldText (value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** The object a form parser gave: strings and lists of them, or what its options make of them. */
export function formFromObject (form: object): FormFields {
  const fields = newFields()
  for (const name of Object.keys(form)) {
    const value = (form as Record<string, unknown>)[name]
    if (value === undefined) continue
    fields[name] = Array.isArray(value) ? value.map(fieldText) : [fieldText(value)]
  }
  return fields
}
