/**
 * @packageDocumentation
 * The local demo data space that `npm start` runs: Kaiserslautern (anchor), Landkreis Kusel and
 * Landkreis Mayen-Koblenz, with example water levels (SensorThings) and traffic counts (NGSI-LD).
 *
 * @example
 * ```ts
 * const nodes = await startDemoDataspace('./.allmende-demo', log)
 * await awaitFullMesh(nodes, 15_000)
 * const story = await runDemoScenario(nodes, await startDemoSources())
 * ```
 */
export {
  awaitFullMesh,
  DEMO_NODES,
  type DemoNode,
  type DemoSlug,
  readExampleData,
  startDemoDataspace,
  stopDemoDataspace,
} from './demo-dataspace.js'
export { type DemoSources, type DemoStory, runDemoScenario, startDemoSources } from './demo-scenario.js'
