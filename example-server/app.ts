// A small orders API instrumented with apitoolkit-fastify: every feature of the plugin in one place.
import Fastify, { type FastifyInstance } from 'fastify'
import apitoolkit, { observeRequest, reportError } from 'apitoolkit-fastify'

export interface ExampleConfig {
  /** Base URL of the stock service the orders route calls through `observe`. */
  stockUrl: string
}

class PaymentDeclined extends Error {}

const users = new Map([
  ['1', { id: '1', name: 'John Martha', email: 'john.martha@example.com', addresses: [{ city: 'Lagos', zip: '100001' }] }]
])

export async function buildApp (config: ExampleConfig): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: 'warn' } })
  await app.register(apitoolkit, {
    serviceName: 'example-orders-api',
    serviceVersion: '1.0.0',
    tags: ['example'],
    apiKey: process.env.APITOOLKIT_KEY ?? 'example-project-key',
    captureRequestBody: true,
    captureResponseBody: true,
    redactHeaders: ['x-api-key'],
    redactRequestBody: ['$.password', '$.card.number'],
    redactResponseBody: ['$.email', '$.addresses[*].zip', '$.token']
  })

  app.get('/users/:id', async (request, reply) => {
    const user = users.get((request.params as { id: string }).id)
    return user ?? reply.code(404).send({ error: 'no such user' })
  })

  app.post('/login', {
    schema: { body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string' }, password: { type: 'string' } } } }
  }, async () => ({ token: 'session-token-abc', expiresIn: 3600 }))

  app.post('/orders/:id', async (request) => {
    const { id } = request.params as { id: string }
    const body = request.body as { card?: { number?: string } }
    try {
      if (body.card?.number?.startsWith('0') === true) throw new PaymentDeclined('card declined', { cause: new Error('insufficient funds') })
    } catch (err) {
      reportError(request, err)
    }
    const stock = await request.apitoolkit.observe.get(`${config.stockUrl}/items/${id}?warehouse=eu`, { urlWildcard: '/items/:id' })
    const prices = await observeRequest(request, { urlWildcard: '/prices/:id' }).get(`${config.stockUrl}/prices/${id}`)
    return { order: id, stock: await stock.json(), price: await prices.json() }
  })

  app.get('/crash', async () => {
    throw new Error('something broke', { cause: new TypeError('undefined is not a function') })
  })

  return app
}
