// The local collector's readable output for calls made with axios (observeAxios) and got (monitorOutgoing):
// each call under its request, with route, status, latency, headers and bodies, as the plugin sent them.
import t from 'tap'
import axios from 'axios'
import Fastify from 'fastify'
import { plugin } from '../../../lib/plugin'
import { startCollector } from '../../../lib/collector/collector-server'
import { createSpanPrinter } from '../../../lib/collector/collector-format'
import { loadGot } from '../../helpers/clients'
import { startUpstream } from '../../helpers/upstream'

t.test('each outgoing call is printed under its request with route, status, latency, headers and bodies', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const up = await startUpstream(t)
  const got = await loadGot()
  const app = Fastify()
  await app.register(plugin, { otlpEndpoint: collector.endpoint, monitorOutgoing: true, redactResponseBody: ['$.token'] })
  app.get('/order', async (request) => {
    const stock = request.apitoolkit.observeAxios(axios, { urlWildcard: '/echo' })
    await stock.post(`${up.url}/echo`, { qty: 2 }, { headers: { authorization: 'Bearer s3cret' } })
    await got(`${up.url}/items/9?sku=A`, { retry: { limit: 0 } }).json()
    return { ok: true }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.equal((await app.inject('/order')).statusCode, 200)
  await app.close()
  const out: string[] = []
  const printer = createSpanPrinter({ write: (text) => { out.push(text) } })
  printer.push(collector.spans)
  printer.flush()
  t.equal(out.length, 1, 'one block: the request, its calls inside')
  const text = out[0]
  const host = new URL(up.url).host
  t.match(text, /^GET .*\/order → 200 in [\d.]+ ms/)
  t.match(text, new RegExp(`\\n  outgoing calls \\(2\\):\\n    POST ${host.replace(/\./g, '\\.')}/echo → 201 in [\\d.]+ ms\\n`))
  t.match(text, '\n      request headers:\n')
  t.match(text, '        authorization: [CLIENT_REDACTED]\n')
  t.match(text, '      request body:\n        {\n          "qty": 2\n        }\n')
  t.match(text, '      response body:\n        {\n          "method": "POST",\n')
  t.match(text, '          "token": "[CLIENT_REDACTED]"\n')
  t.match(text, new RegExp(`\\n    GET ${host.replace(/\./g, '\\.')}/items/9 → 200 in [\\d.]+ ms\\n      target: /items/9\\?sku=A\\n`))
  t.match(text, '        "id": "9",\n', 'the got call\'s response body, seen in passing')
  t.match(text, '        set-cookie: [CLIENT_REDACTED]\n')
  t.notMatch(text, 'tok-secret')
  t.notMatch(text, 's3cret')
})
