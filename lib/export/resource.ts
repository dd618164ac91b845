import { PACKAGE } from '../package-info'
import { RESOURCE } from '../span/names'
import type { AttributeList } from './otlp-encoder'

export interface ResourceOptions {
  serviceName: string
  serviceVersion: string
  apiKey: string | undefined
}

/** `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs separated by commas, values percent-encoded. */
export function parseResourceAttributes (raw: string | undefined): Array<[string, string]> {
  if (raw === undefined || raw.trim() === '') return []
  const pairs: Array<[string, string]> = []
  for (const item of raw.split(',')) {
    const eq = item.indexOf('=')
    if (eq <= 0) continue
    const key = item.slice(0, eq).trim()
    let value = item.slice(eq + 1).trim()
    try {
      value = decodeURIComponent(value)
    } catch {
      // Kept as written: a stray % is more likely meant literally than a reason to drop the pair.
    }
    if (key !== '') pairs.push([key, value])
  }
  return pairs
}

/** The resource every span of the plugin carries: the environment's attributes, then the options'. */
export function resourceAttributes (options: ResourceOptions, env: NodeJS.ProcessEnv): AttributeList {
  const attrs = new Map<string, string>(parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES))
  const serviceName = options.serviceName !== '' ? options.serviceName : attrs.get(RESOURCE.serviceName)
  attrs.set(RESOURCE.serviceName, serviceName === undefined || serviceName === '' ? 'unknown_service:node' : serviceName)
  if (options.serviceVersion !== '') attrs.set(RESOURCE.serviceVersion, options.serviceVersion)
  if (options.apiKey !== undefined && options.apiKey !== '') attrs.set(RESOURCE.projectKey, options.apiKey)
  attrs.set(RESOURCE.sdkLanguage, 'nodejs')
  attrs.set(RESOURCE.sdkName, PACKAGE.name)
  attrs.set(RESOURCE.sdkVersion, PACKAGE.version)
  const list: Array<AttributeList[number]> = []
  for (const [key, value] of attrs) list.push(key, value)
  return list
}

/** Whether the resource names a project: APItoolkit refuses spans without one. */
export function hasProjectKey (options: ResourceOptions, env: NodeJS.ProcessEnv): boolean {
  if (options.apiKey !== undefined && options.apiKey !== '') return true
  return parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES).some(([key, value]) => key === RESOURCE.projectKey && value !== '')
}
