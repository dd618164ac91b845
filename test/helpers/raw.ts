// Raw HTTP for inputs fetch refuses to send: invalid percent sequences, invalid UTF-8, many headers.
import { request } from 'node:http'

export interface RawResponse { status: number, headers: Record<string, string>, body: Buffer }

export function rawRequest (base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const h: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) {
          if (name !== 'date' && value !== undefined) h[name] = Array.isArray(value) ? value.join(',') : value
        }
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
