// A stand-in for the stock service the example's orders route calls, so the example needs nothing external.
import { createServer, type Server } from 'node:http'

export function startUpstream (): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    const id = /\/(?:items|prices)\/(\w+)/.exec(req.url ?? '')?.[1] ?? '0'
    const body = req.url?.startsWith('/prices') === true ? { id, price: 12.5, currency: 'EUR' } : { id, inStock: 7 }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      resolve({ server, url: `http://127.0.0.1:${port}` })
    })
  })
}
