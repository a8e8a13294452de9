/**
 * @packageDocumentation
 * The local demo data space that `npm start` runs: Kaiserslautern, Kusel and Mayen-Koblenz.
 *
 * @example
 * ```ts
 * const nodes = await startDemoDataspace('./.allmende-demo', log)
 * await awaitFullMesh(nodes, 10_000)
 * ```
 */
export {
  awaitFullMesh,
  DEMO_DATASPACE,
  DEMO_NODES,
  type DemoNode,
  startDemoDataspace,
  stopDemoDataspace,
} from './demo-dataspace.js'
