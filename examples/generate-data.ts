// Generates the example data of the Südwest-Cluster demo data space, deterministically (fixed seed,
// fixed dates): the committed files in examples/data/ are exactly this script's output.
//   npx tsx examples/generate-data.ts
// The values are synthetic but shaped like real ones: a Glan gauge in cm with a small flood wave,
// per-lane traffic counts in Kusel with morning and afternoon peaks. The week spans the end of
// daylight saving time (26 Oct 2025, 03:00 CEST -> 02:00 CET); all times are UTC.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const out = join(dirname(fileURLToPath(import.meta.url)), 'data')

// mulberry32: a tiny seeded PRNG, so every run writes the same bytes.
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// A JSON array with one record per line: valid JSON, readable, and diffs stay small.
const oneRecordPerLine = (records: unknown[]): string =>
  `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z')
const round = (x: number, digits: number): number => Number(x.toFixed(digits))
const QUARTER = 15 * 60 * 1000
const HOUR = 4 * QUARTER

// --- Pegel Altenglan (Glan), 15-minute water level in cm, 23-30 Oct 2025 --------------------------
const rnd = random(20251023)
const start = Date.UTC(2025, 9, 23)
const observations = []
for (let i = 0; i < 7 * 96; i++) {
  const t = start + i * QUARTER
  const hours = (t - start) / HOUR
  // Base flow with a slow recession; rain on 25 Oct lifts the level to about 205 cm within a day.
  const base = 64 - hours * 0.02
  const wave =
    hours < 52 ? 0 : 150 * (1 - Math.exp(-(hours - 52) / 7)) * Math.exp(-Math.max(0, hours - 72) / 20)
  const level = Math.round(base + wave + (rnd() - 0.5) * 2)
  observations.push({
    '@iot.id': 100_001 + i,
    phenomenonTime: iso(t),
    resultTime: iso(t + 70_000 + Math.floor(rnd() * 40) * 1000),
    result: level,
  })
}
writeFileSync(join(out, 'glan-pegel-observations.json'), oneRecordPerLine(observations))

// --- Traffic flow in Kusel, per lane and 15 minutes, Monday 27 Oct 2025 (CET = UTC+1) --------------
const traffic = random(20251027)
const sites = [
  {
    key: 'trierer-strasse-b420',
    name: 'Kusel, Trierer Straße (B 420) / Bahnhofstraße',
    coordinates: [7.3981, 49.5347],
    lanes: [
      { laneId: 1, laneDirection: 'forward', peak: 135 },
      { laneId: 2, laneDirection: 'backward', peak: 120 },
    ],
  },
  {
    key: 'landstuhler-strasse',
    name: 'Kusel, Landstuhler Straße / Marktstraße',
    coordinates: [7.4032, 49.5381],
    lanes: [
      { laneId: 1, laneDirection: 'forward', peak: 82 },
      { laneId: 2, laneDirection: 'backward', peak: 74 },
    ],
  },
  {
    key: 'lehnstrasse-kreisel',
    name: 'Kusel, Kreisel Lehnstraße / Fritz-Wunderlich-Straße',
    coordinates: [7.3925, 49.5402],
    lanes: [
      { laneId: 1, laneDirection: 'forward', peak: 58 },
      { laneId: 2, laneDirection: 'backward', peak: 52 },
    ],
  },
]
// Share of the peak 15-minute volume by local hour (0-23), a typical weekday in a small town.
const profile = [
  0.04, 0.02, 0.02, 0.02, 0.04, 0.15, 0.45, 0.95, 1.0, 0.7, 0.6, 0.65, 0.72, 0.68, 0.66, 0.78, 0.95, 0.98,
  0.8, 0.55, 0.38, 0.26, 0.15, 0.08,
]
const day = Date.UTC(2025, 9, 26, 23) // 27 Oct 2025 00:00 CET
const entities = []
for (let q = 0; q < 96; q++) {
  const from = day + q * QUARTER
  const localHour = Math.floor(q / 4)
  for (const site of sites) {
    for (const lane of site.lanes) {
      const intensity = Math.max(0, Math.round(lane.peak * profile[localHour]! * (0.88 + traffic() * 0.24)))
      const averageVehicleLength = round(
        4.6 + traffic() * 0.9 + (localHour >= 6 && localHour < 19 ? 0.4 : 0),
        1,
      )
      const free = 47 + traffic() * 4
      const averageVehicleSpeed = round(Math.max(14, free - (intensity / lane.peak) ** 2 * 22), 1)
      // occupancy = flow (veh/h) x (vehicle + loop length, km) / speed (km/h)
      const occupancy = round(
        Math.min(0.95, (intensity * 4 * ((averageVehicleLength + 2) / 1000)) / averageVehicleSpeed),
        3,
      )
      const fromIso = iso(from)
      const toIso = iso(from + QUARTER)
      entities.push({
        id: `urn:ngsi-ld:TrafficFlowObserved:kusel:${site.key}:lane${lane.laneId}:${fromIso}`,
        type: 'TrafficFlowObserved',
        name: { type: 'Property', value: site.name },
        dateObserved: { type: 'Property', value: `${fromIso}/${toIso}` },
        dateObservedFrom: { type: 'Property', value: { '@type': 'DateTime', '@value': fromIso } },
        dateObservedTo: { type: 'Property', value: { '@type': 'DateTime', '@value': toIso } },
        laneId: { type: 'Property', value: lane.laneId },
        laneDirection: { type: 'Property', value: lane.laneDirection },
        intensity: { type: 'Property', value: intensity },
        occupancy: { type: 'Property', value: occupancy },
        averageVehicleSpeed: { type: 'Property', value: averageVehicleSpeed },
        averageVehicleLength: { type: 'Property', value: averageVehicleLength },
        congested: { type: 'Property', value: occupancy > 0.25 },
        refRoadSegment: { type: 'Relationship', object: `urn:ngsi-ld:RoadSegment:kusel:${site.key}` },
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: site.coordinates } },
      })
    }
  }
}
writeFileSync(join(out, 'traffic-flow-kusel.json'), oneRecordPerLine(entities))
console.log(`${observations.length} observations, ${entities.length} TrafficFlowObserved entities`)
