// What the load generator sends. Shared by the server (route names) and the runner (requests), so
// both sides agree on paths and payloads.

/** The APItoolkit guide's user document (218 bytes of JSON): the body of `POST /users/:id`. */
export const USER_DOCUMENT = {
  user: {
    name: 'John Martha',
    email: 'john.martha@example.com',
    credit_card: '4111111111111111',
    addresses: [
      { street: '1 Main St', city: 'Lagos', zip: '100001' },
      { street: '2 Side Rd', city: 'Abuja', zip: '900001' }
    ]
  }
}

/** Every request carries credentials, so header redaction is on the measured path. */
const CREDENTIAL_HEADERS = {
  authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.YmVuY2htYXJr.c2lnbmF0dXJl',
  'x-api-key': 'bench-3f6c1a9e2b7d4e58'
}

export const UPLOAD_PATH = '/upload'

export interface RequestSpec {
  /** Label in the report, e.g. `GET /hello`. */
  name: string
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

function jsonPost (name: string, path: string, body: string): RequestSpec {
  return {
    name,
    method: 'POST',
    path,
    headers: { ...CREDENTIAL_HEADERS, 'content-type': 'application/json' },
    body
  }
}

/** The two routes of the main comparison. */
export const MAIN_REQUESTS: RequestSpec[] = [
  { name: 'GET /hello', method: 'GET', path: '/hello', headers: { ...CREDENTIAL_HEADERS } },
  jsonPost('POST /users/:id', '/users/42', JSON.stringify(USER_DOCUMENT))
]

/**
 * A JSON document of exactly `bytes` bytes: the user document (so redaction paths match) plus an
 * array of order lines, padded to size. Structured rather than one big string, so parsing and
 * redaction walk a realistic tree.
 */
export function documentOfSize (bytes: number): string {
  const line = { sku: 'SKU-000000', name: 'Widget, blue, large', quantity: 3, price: 19.99 }
  const items: typeof line[] = []
  const encode = (pad: string): string => JSON.stringify({ ...USER_DOCUMENT, items, pad })
  const lineBytes = JSON.stringify(line).length + 1
  while (encode('').length + lineBytes <= bytes) items.push(line)
  const missing = bytes - encode('').length
  if (missing < 0) throw new Error(`cannot build a JSON document as small as ${bytes} bytes`)
  return encode('x'.repeat(missing))
}

export function uploadRequest (label: string, bytes: number): RequestSpec {
  return jsonPost(`POST ${UPLOAD_PATH} ${label}`, UPLOAD_PATH, documentOfSize(bytes))
}
