// Names the APItoolkit backend reads, defined once for every producer and reader of the span.

/** The name the backend files as an SDK span, incoming and outgoing alike. */
export const SPAN_NAME = 'monoscope.http'
export const SDK_TYPE_INCOMING = 'JsFastify'
export const SDK_TYPE_OUTGOING = 'JsOutgoing'
export const SCOPE_NAME = 'apitoolkit-fastify'

export const REQUEST_HEADER_PREFIX = 'http.request.header.'
export const RESPONSE_HEADER_PREFIX = 'http.response.header.'

export const ATTR = {
  hostName: 'net.host.name',
  msgId: 'apitoolkit.msg_id',
  route: 'http.route',
  target: 'http.target',
  method: 'http.request.method',
  status: 'http.response.status_code',
  queryParams: 'http.request.query_params',
  pathParams: 'http.request.path_params',
  sdkType: 'apitoolkit.sdk_type',
  parentId: 'apitoolkit.parent_id',
  requestBody: 'http.request.body',
  responseBody: 'http.response.body',
  errors: 'apitoolkit.errors',
  serviceVersion: 'apitoolkit.service_version',
  tags: 'apitoolkit.tags',
  userId: 'user.id',
  userEmail: 'user.email',
  userName: 'user.full_name',
  tenantId: 'tenant.id',
  tenantName: 'tenant.name'
} as const

export const EXCEPTION_EVENT = 'exception'
export const EXCEPTION_TYPE = 'exception.type'
export const EXCEPTION_MESSAGE = 'exception.message'
export const EXCEPTION_STACKTRACE = 'exception.stacktrace'

// Statuses for exchanges that got no ordinary response, as a proxy reports them: the backend counts a
// status outside 100–599 as 200, so none may be 0.
/** The client closed the connection before a response was sent (incoming), or the caller aborted (outgoing). */
export const STATUS_CLIENT_CLOSED = 499
/** The server's connection timeout closed the connection. */
export const STATUS_TIMEOUT = 408
/** An outgoing call's connection failed. */
export const STATUS_BAD_GATEWAY = 502
/** An outgoing call timed out. */
export const STATUS_GATEWAY_TIMEOUT = 504

/** The redaction marker, in every place a value is withheld. */
export const REDACTED = '[CLIENT_REDACTED]'

/** Resource attributes: who sent the span; the backend files it under the project of `at-project-key`. */
export const RESOURCE = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  projectKey: 'at-project-key',
  sdkLanguage: 'telemetry.sdk.language',
  sdkName: 'telemetry.sdk.name',
  sdkVersion: 'telemetry.sdk.version'
} as const
