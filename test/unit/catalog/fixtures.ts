import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2019 } from 'ajv/dist/2019.js'
import addFormatsModule from 'ajv-formats'
import {
  Catalog,
  type CatalogClock,
  CatalogFederation,
  type CatalogNetwork,
  type DatasetInput,
  FederatedCatalogCache,
  type JsonObject,
  type OfferIssue,
  type OfferValidation,
  type Requester,
} from '../../../src/catalog/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'

/** The directory holding package.json, from test/ and dist/test/ alike. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('package.json not found above the test file')
    dir = up
  }
  return dir
}

/** The upstream DSP 2025-1 artifacts as published (test/conformance/dsp-2025-1, defects included). */
export const DSP_DIR = join(repoRoot(), 'test', 'conformance', 'dsp-2025-1')

/** A clock standing still until moved. */
export class ManualClock implements CatalogClock {
  t: number
  constructor(iso = '2026-03-01T08:00:00.000Z') {
    this.t = Date.parse(iso)
  }
  now(): Date {
    return new Date(this.t)
  }
  advance(ms: number): void {
    this.t += ms
  }
}

/** A fresh on-disk store in a temporary folder (removed when the test file ends), and the function that closes it. */
export async function tempStore(): Promise<{ store: Store; dispose: () => Promise<void> }> {
  const dir = await tempDir('allmende-catalog-')
  const store = await Store.open(join(dir, 'db'))
  return {
    store,
    dispose: async () => {
      await store.close()
    },
  }
}

/** A catalog with the strict offer check and the role evaluator in a fresh store, on a clock standing still. */
export async function tempCatalog(): Promise<{
  catalog: Catalog
  store: Store
  clock: ManualClock
  dispose: () => Promise<void>
}> {
  const { store, dispose } = await tempStore()
  const clock = new ManualClock()
  const catalog = new Catalog(
    { store, clock },
    { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
  )
  return { catalog, store, clock, dispose }
}

/**
 * A strict offer check standing in for the policy engine's validator (plugged by the lead): an Offer
 * needs a permission or prohibition, each with an action; `odrl:use` with no constraint is warned about.
 */
export function checkOffer(offer: JsonObject): OfferValidation {
  const errors: string[] = []
  const warnings: OfferIssue[] = []
  const type = offer['@type']
  if (type !== 'Offer' && type !== 'odrl:Offer') errors.push(`@type must be Offer, not ${String(type)}`)
  const rules = [offer.permission, offer.prohibition].flatMap((r) =>
    r === undefined ? [] : Array.isArray(r) ? r : [r],
  )
  if (rules.length === 0) errors.push('an Offer needs at least one permission or prohibition')
  for (const rule of rules) {
    if (typeof rule !== 'object' || rule === null || (rule as JsonObject).action === undefined) {
      errors.push('every rule needs an action')
    } else if ((rule as JsonObject).constraint === undefined) {
      warnings.push({ message: 'a rule without constraint permits any use' })
    }
  }
  return { errors, warnings }
}

/** Evaluates `{leftOperand: 'role', operator: 'eq', rightOperand}` on the requester's attributes. */
export function roleConstraint(constraint: JsonObject, requester: Requester): boolean {
  if (constraint.leftOperand !== 'role' || constraint.operator !== 'eq')
    throw new Error('unsupported constraint')
  return requester.attributes?.role === constraint.rightOperand
}

export const PROVIDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
export const MEMBER = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH'
export const HAMBURG = 'did:web:daten.hamburg.de'
export const OUTSIDER = 'did:web:example.org'

export const SECRET = 'Bearer s3cr3t-PEGEL-token-4711'
export const INTERNAL_URL = 'https://sensors.intern.kusel.de/FROST-Server/v1.1'

/** A Glan gauge dataset as Kusel would offer it (scenario 1); `overrides` replace fields. */
export function glanInput(overrides: Partial<DatasetInput> = {}): DatasetInput {
  return {
    title: 'Pegel Glan Altenglan',
    description: 'Wasserstand des Glan in Altenglan, 15-Minuten-Werte in cm, für die Hochwasserwarnung.',
    publisher: { name: 'Kreisverwaltung Kusel', id: 'https://www.landkreis-kusel.de' },
    keyword: ['Pegel', 'Wasserstand', 'Hochwasser', 'Glan'],
    theme: ['ENVI'],
    spatial: ['http://dcat-ap.de/def/politicalGeocoding/districtKey/07336'],
    temporal: { start: '2024-01-01' },
    license: 'http://dcat-ap.de/def/licenses/dl-by-de/2.0',
    accrualPeriodicity: '15MIN',
    contactPoint: { fn: 'Kreisverwaltung Kusel, Umweltamt', email: 'umwelt@kv-kus.de' },
    contributorID: 'http://dcat-ap.de/def/contributors/kreisKusel',
    distributions: [{ format: 'JSON', mediaType: 'application/json', title: 'SensorThings Observations' }],
    offers: [
      {
        offer: {
          '@id': 'urn:uuid:6a3c1d1e-0000-4000-8000-000000000001',
          '@type': 'Offer',
          permission: [
            {
              action: 'use',
              constraint: [
                {
                  leftOperand: 'purpose',
                  operator: 'eq',
                  rightOperand: 'https://w3id.org/dpv#CombatClimateChange',
                },
              ],
            },
          ],
        },
        access: { kind: 'members' },
      },
    ],
    metadataVisibility: 'public',
    source: {
      type: 'sensorthings',
      url: INTERNAL_URL,
      datastream: 42,
      auth: { headers: { Authorization: SECRET } },
    },
    ...overrides,
  }
}

/** Loads the DSP 2025-1 schemas (with the `#definitions/` defect fixed) into one Ajv. */
export async function dspAjv(): Promise<Ajv2019> {
  const addFormats = addFormatsModule as unknown as (ajv: Ajv2019) => Ajv2019
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  addFormats(ajv)
  for (const area of ['common', 'catalog', 'negotiation']) {
    for (const file of await readdir(join(DSP_DIR, area))) {
      if (!file.endsWith('-schema.json')) continue
      const text = (await readFile(join(DSP_DIR, area, file), 'utf8')).replaceAll(
        '#definitions/',
        '#/definitions/',
      )
      ajv.addSchema(JSON.parse(text))
    }
  }
  return ajv
}

/**
 * A consumer's federated catalog whose network knows one provider, {@link PROVIDER}, and asks it for its
 * catalog with `fetchCatalog` (as the libp2p binding would hand the request over); announcing is a no-op.
 */
export function consumerOfOneProvider(
  consumer: Awaited<ReturnType<typeof tempCatalog>>,
  fetchCatalog: CatalogNetwork['fetchCatalog'],
): { cache: FederatedCatalogCache; federation: CatalogFederation } {
  const cache = new FederatedCatalogCache(
    { store: consumer.store, clock: consumer.clock, catalog: consumer.catalog },
    { participantId: MEMBER },
  )
  const federation = new CatalogFederation({
    catalog: consumer.catalog,
    cache,
    log: createSilentLogger(),
    self: MEMBER,
    network: {
      announce: async () => undefined,
      announceSummary: async () => undefined,
      fetchCatalog,
      fetchDataset: async () => undefined,
      providers: async () => [PROVIDER],
      members: () => 1,
    },
  })
  return { cache, federation }
}
