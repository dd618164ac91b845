// How a body's Content-Type decides how it is captured.
import { test } from 'tap'
import { bodyType, contentTypeOf } from '../../../lib/body/content-type'

const kind = (type: string | undefined): string => bodyType(type).kind

test('JSON types', async (t) => {
  for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/vnd.api+json', 'application/problem+json', ' application/ld+json ']) {
    t.equal(kind(type), 'json', type)
  }
})

test('forms', async (t) => {
  t.equal(kind('application/x-www-form-urlencoded'), 'form')
  t.equal(kind('application/x-www-form-urlencoded;charset=UTF-8'), 'form')
})

test('text types, XML and script included', async (t) => {
  for (const type of ['text/plain', 'text/html; charset=utf-8', 'text/csv', 'text/json', 'application/xml', 'application/soap+xml', 'image/svg+xml',
    'application/javascript', 'application/graphql', 'application/x-ndjson']) {
    t.equal(kind(type), 'text', type)
  }
})

test('binary types', async (t) => {
  for (const type of ['application/octet-stream', 'image/png', 'audio/mpeg', 'video/mp4', 'font/woff2', 'application/pdf', 'application/zip',
    'application/gzip', 'multipart/form-data; boundary=x', 'multipart/mixed', 'application/grpc+proto', 'application/x-protobuf', 'application/wasm']) {
    t.equal(kind(type), 'binary', type)
  }
})

test('no content type, or one not listed, leaves it to the body', async (t) => {
  for (const type of [undefined, '', ' ; charset=utf-8', 'application/vnd.custom', 'application/x-thing', 'nonsense']) {
    t.equal(kind(type), 'unknown', String(type))
  }
})

test('the charset parameter, in any of its spellings', async (t) => {
  t.equal(bodyType('text/plain; charset=ISO-8859-1').charset, 'iso-8859-1')
  t.equal(bodyType('text/plain;charset="utf-16le"').charset, 'utf-16le')
  t.equal(bodyType('text/plain; format=flowed; Charset = UTF-8').charset, 'utf-8')
  t.equal(bodyType('text/plain; charset=').charset, undefined)
  t.equal(bodyType('text/plain').charset, undefined)
  t.equal(bodyType('text/plain; mycharset=latin1').charset, undefined, 'only a parameter named charset')
})

test('a header value as Node or fetch gives it', async (t) => {
  t.equal(contentTypeOf('text/plain'), 'text/plain')
  t.equal(contentTypeOf(['application/json', 'text/plain']), 'application/json')
  t.equal(contentTypeOf(undefined), undefined)
  t.equal(contentTypeOf(42), undefined)
  t.equal(contentTypeOf([]), undefined)
})
