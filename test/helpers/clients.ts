// The HTTP clients of the outgoing-call tests (node:http, axios, got), each called the way an app calls
// it, with what the caller gets back in one shape, so answers with and without the plugin compare.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import axios, { type AxiosInstance } from 'axios'
import type { Got } from 'got'

export type ClientName = 'http' | 'axios' | 'got'
export const CLIENTS: ClientName[] = ['http', 'axios', 'got']

/** What the caller got: the response (body as base64 of its bytes), or the error it was given. */
export type Outcome =
  | { status: number, headers: Record<string, unknown>, body: string }
  | { error: { name: string, code: unknown, message: string } }

export interface CallSpec {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Gives up after this long, each client its own usual way. */
  timeoutMs?: number
  /** The axios instance to call with (observeAxios's), when not axios itself. */
  axiosInstance?: AxiosInstance
}

let gotModule: Got | undefined

/** got is ESM-only: loaded with import(). */
export async function loadGot (): Promise<Got> {
  gotModule ??= (await import('got')).default
  return gotModule
}

/** Headers the upstream sets per answer (its clock): left out of comparisons. */
function stable (headers: Record<string, unknown>): Record<string, unknown> {
  const { date: _date, ...rest } = headers
  return rest
}

function failure (err: unknown): Outcome {
  const { name, code, message } = err as { name: string, code?: unknown, message: string }
  return { error: { name, code, message } }
}

function viaHttp (url: string, spec: CallSpec): Promise<Outcome> {
  return new Promise((resolve) => {
    const signal = spec.timeoutMs === undefined ? undefined : AbortSignal.timeout(spec.timeoutMs)
    const req = httpRequest(url, { method: spec.method ?? 'GET', headers: spec.headers, signal }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: stable(res.headers as IncomingHttpHeaders as Record<string, unknown>), body: Buffer.concat(chunks).toString('base64') })
      })
    })
    req.on('error', (err) => { resolve(failure(err)) })
    req.end(spec.body)
  })
}

async function viaAxios (url: string, spec: CallSpec): Promise<Outcome> {
  try {
    const res = await (spec.axiosInstance ?? axios).request({
      url, method: spec.method ?? 'GET', headers: spec.headers, data: spec.body, timeout: spec.timeoutMs, responseType: 'arraybuffer', validateStatus: () => true
    })
    return { status: res.status, headers: stable({ ...res.headers }), body: Buffer.from(res.data as ArrayBuffer).toString('base64') }
  } catch (err) {
    return failure(err)
  }
}

async function viaGot (url: string, spec: CallSpec): Promise<Outcome> {
  const got = await loadGot()
  try {
    const res = await got(url, {
      method: (spec.method ?? 'GET') as 'GET',
      headers: spec.headers,
      body: spec.body,
      timeout: spec.timeoutMs === undefined ? undefined : { request: spec.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'buffer'
    })
    return { status: res.statusCode, headers: stable(res.headers as Record<string, unknown>), body: res.body.toString('base64') }
  } catch (err) {
    return failure(err)
  }
}

/** Calls `url` with `client`; never rejects. */
export async function callWith (client: ClientName, url: string, spec: CallSpec = {}): Promise<Outcome> {
  if (client === 'http') return await viaHttp(url, spec)
  if (client === 'axios') return await viaAxios(url, spec)
  return await viaGot(url, spec)
}
