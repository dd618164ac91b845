import type { FastifyBaseLogger } from 'fastify'
import type { ResolvedOptions } from '../options/resolve-options'
import { PACKAGE } from '../package-info'
import { SCOPE_NAME } from '../span/names'
import { createGrpcTransport } from './grpc-transport'
import { encodeResource, encodeScope } from './otlp-encoder'
import { createPipeline, type Pipeline } from './pipeline'
import { hasProjectKey, resourceAttributes } from './resource'

const EXPORT_TIMEOUT_MS = 5000
const APITOOLKIT_HOST = /(^|\.)apitoolkit\.io$/i

/** The plugin's own pipeline to its endpoint, whatever else the process has. */
export function startExport (options: ResolvedOptions, log: FastifyBaseLogger, env: NodeJS.ProcessEnv = process.env): Pipeline {
  const resource = resourceAttributes(options, env)
  if (!hasProjectKey(options, env)) {
    // Spans without a project key are dropped by APItoolkit: worth a warning there, a note elsewhere.
    const toApitoolkit = APITOOLKIT_HOST.test(new URL(options.otlpEndpoint).hostname)
    const msg = 'apitoolkit-fastify: no project key (option apiKey, or at-project-key in OTEL_RESOURCE_ATTRIBUTES)'
    if (toApitoolkit) log.warn({ endpoint: options.otlpEndpoint }, `${msg}: APItoolkit will not accept these spans`)
    else log.info({ endpoint: options.otlpEndpoint }, msg)
  }
  // The standard variables win when set, as for OpenTelemetry's own exporter.
  const timeoutSet = (env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT ?? '') !== ''
  const transport = createGrpcTransport(options.otlpEndpoint, timeoutSet ? undefined : EXPORT_TIMEOUT_MS)
  return createPipeline({
    resource: encodeResource(resource),
    scope: encodeScope(SCOPE_NAME, PACKAGE.version),
    maxQueueSize: options.maxQueueSize,
    maxQueueBytes: options.maxQueueBytes
  }, transport, log)
}
