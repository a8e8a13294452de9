import { AllmendeError } from '../protocol/errors.js'
import type { DcatApDeExportOptions } from './dcat-ap-export.js'

/**
 * The node has no public address to name in its DCAT-AP.de export: neither a landing page nor a
 * public DSP URL. The export refuses rather than name the local management API, which a portal
 * would publish and nobody outside could use.
 */
export class CatalogExportNotConfiguredError extends AllmendeError {
  static override name = 'CatalogExportNotConfiguredError'
  constructor() {
    super(
      'ALLMENDE_EXPORT_NOT_CONFIGURED',
      'the open data export needs a public address for distributions without an access URL: set --landing-page https://daten.example.de/ (or --dsp-public-url) with allmende init or start',
    )
  }
}

/** What the export needs to know of the node. */
export interface ExportingNode {
  readonly name: string
  readonly did: string
  readonly landingPage?: string
  readonly dspPublicUrl?: string
}

/**
 * The export options of a node: distributions without their own access URL point to the public
 * landing page, else to the public DSP endpoint, never to the management API.
 *
 * @throws CatalogExportNotConfiguredError when the node has neither.
 */
export function exportOptionsOf(node: ExportingNode): DcatApDeExportOptions {
  const accessURL = node.landingPage ?? node.dspPublicUrl
  if (accessURL === undefined) throw new CatalogExportNotConfiguredError()
  return {
    catalogIri: node.landingPage ?? `urn:allmende:catalog:${node.did}`,
    title: `Katalog ${node.name}`,
    description: `Offene Metadaten von ${node.name}`,
    publisher: { name: node.name, id: node.did },
    ...(node.landingPage === undefined ? {} : { homepage: node.landingPage }),
    accessURL,
  }
}
