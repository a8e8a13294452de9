import { loadOnce } from './load-once.js'

/**
 * jsonld.js, loaded on first use: credentials, policies in JSON-LD and the DCAT-AP export expand and
 * canonicalize with it; an idle node never does.
 */
export const loadJsonld = loadOnce(async () => (await import('jsonld')).default)
