// Options are checked once, at register time: a mistake is an error naming the option, never a silent leak.
import { test } from 'tap'
import Fastify from 'fastify'
import apitoolkit from '..'

const cases: Array<[string, unknown, RegExp]> = [
  ['a wrong type', { captureRequestBody: 'yes' }, /captureRequestBody must be a boolean, got "yes"/],
  ['a typo in a redaction option', { redactRequestbody: ['$.password'] }, /unknown option "redactRequestbody" \(did you mean redactRequestBody\?\)/],
  ['an unknown option', { sampleRate: 0.5 }, /unknown option "sampleRate"/],
  ['a non-string header name', { redactHeaders: ['x-key', 42] }, /redactHeaders\[1\] must be a string, got 42/],
  ['a path list that is a string', { redactResponseBody: '$.user.email' }, /redactResponseBody must be an array of JSONPath strings, got "\$\.user\.email"/],
  ['an invalid JSONPath', { redactRequestBody: ['$.ok', '$.users[*'] }, /redactRequestBody\[1\].*\$\.users\[\*/],
  ['a zero maxBodyBytes', { maxBodyBytes: 0 }, /maxBodyBytes must be a positive integer, got 0/],
  ['a fractional maxBodyBytes', { maxBodyBytes: 1.5 }, /maxBodyBytes must be a positive integer, got 1.5/],
  ['tags that are not a list', { tags: 'prod' }, /tags must be an array of strings, got "prod"/],
  ['options that are not an object', 'verbose', /options must be an object/]
]

for (const [what, options, message] of cases) {
  test(`register fails on ${what}`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(app.register(apitoolkit, options as never).ready(), message)
  })
}

test("Fastify's own register options are not unknown names", async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(apitoolkit, { otlpEndpoint: 'http://127.0.0.1:1', prefix: '/api', logLevel: 'warn' } as never).ready()
  t.pass('registered')
})
