/**
 * @packageDocumentation
 * A node's directory: key, config, API token, database, and the runtime file of a running node.
 *
 * @example
 * ```ts
 * await initNode('./kusel', { name: 'Landkreis Kusel' })
 * const { config, key, apiToken } = await openNode('./kusel', { apiPort: 8080 })
 * ```
 */
export {
  dialableAddresses,
  fixListenPorts,
  freeFixedPort,
  isLoopbackAddress,
  reachabilityWarnings,
} from './addresses.js'
export { DEFAULT_DOWNLOAD_FOLDER, downloadFolder, downloadPath } from './download-folder.js'
export { ConfigError } from './errors.js'
export { initNode, type NodeFiles, openNode } from './init-node.js'
export {
  applyOverrides,
  type ConfigOverrides,
  DEFAULT_CONFIG,
  DEFAULT_MAX_CONNECTIONS,
  type NodeConfig,
  parseBootstrapAddress,
  readNodeConfig,
  validateNodeConfig,
  writeNodeConfig,
} from './node-config.js'
export { DEFAULT_NODE_DIR, type NodeDirectory, nodeDirectory, readApiToken } from './node-directory.js'
export { openNodeStore } from './node-store.js'
