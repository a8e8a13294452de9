import { extname } from 'node:path'

/** A distribution's format (EU file-type code) and IANA media type. */
export interface GuessedFormat {
  readonly format: string
  readonly mediaType: string
}

/** File name extensions -> EU file-type code and media type. */
const BY_EXTENSION: Readonly<Record<string, GuessedFormat>> = {
  '.csv': { format: 'CSV', mediaType: 'text/csv' },
  '.tsv': { format: 'TSV', mediaType: 'text/tab-separated-values' },
  '.json': { format: 'JSON', mediaType: 'application/json' },
  '.ndjson': { format: 'JSON', mediaType: 'application/x-ndjson' },
  '.jsonl': { format: 'JSON', mediaType: 'application/x-ndjson' },
  '.geojson': { format: 'GEOJSON', mediaType: 'application/geo+json' },
  '.jsonld': { format: 'JSON_LD', mediaType: 'application/ld+json' },
  '.xml': { format: 'XML', mediaType: 'application/xml' },
  '.gml': { format: 'GML', mediaType: 'application/gml+xml' },
  '.kml': { format: 'KML', mediaType: 'application/vnd.google-earth.kml+xml' },
  '.gpkg': { format: 'GPKG', mediaType: 'application/geopackage+sqlite3' },
  '.ttl': { format: 'RDF_TURTLE', mediaType: 'text/turtle' },
  '.rdf': { format: 'RDF_XML', mediaType: 'application/rdf+xml' },
  '.nt': { format: 'RDF_N_TRIPLES', mediaType: 'application/n-triples' },
  '.xlsx': { format: 'XLSX', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  '.xls': { format: 'XLS', mediaType: 'application/vnd.ms-excel' },
  '.ods': { format: 'ODS', mediaType: 'application/vnd.oasis.opendocument.spreadsheet' },
  '.pdf': { format: 'PDF', mediaType: 'application/pdf' },
  '.txt': { format: 'TXT', mediaType: 'text/plain' },
  '.html': { format: 'HTML', mediaType: 'text/html' },
  '.zip': { format: 'ZIP', mediaType: 'application/zip' },
  '.png': { format: 'PNG', mediaType: 'image/png' },
  '.jpg': { format: 'JPEG', mediaType: 'image/jpeg' },
  '.jpeg': { format: 'JPEG', mediaType: 'image/jpeg' },
  '.tif': { format: 'TIFF', mediaType: 'image/tiff' },
  '.tiff': { format: 'TIFF', mediaType: 'image/tiff' },
}

const BINARY: GuessedFormat = { format: 'BIN', mediaType: 'application/octet-stream' }

/**
 * Guesses a data file's format from its name, and from its first bytes when the name says nothing
 * (`{`/`[` JSON, `<` XML, `%PDF`, `PK` ZIP); anything else is binary. The guess is a default: a
 * `--meta` file with `distributions` says better.
 */
export function guessFormat(path: string, head: Uint8Array): GuessedFormat {
  const known = BY_EXTENSION[extname(path).toLowerCase()]
  if (known !== undefined) return known
  const text = Buffer.from(head).toString('latin1').trimStart()
  if (text.startsWith('{') || text.startsWith('[')) return BY_EXTENSION['.json'] as GuessedFormat
  if (text.startsWith('<')) return BY_EXTENSION['.xml'] as GuessedFormat
  if (text.startsWith('%PDF')) return BY_EXTENSION['.pdf'] as GuessedFormat
  if (text.startsWith('PK')) return BY_EXTENSION['.zip'] as GuessedFormat
  return BINARY
}
