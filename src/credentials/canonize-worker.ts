// Worker thread entry: RDF canonicalization (JSON-LD to RDFC-1.0 N-Quads) off the main event loop.
// Serves only documents whose contexts are all bundled, so the loader here needs nothing else.
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite'
import { answerTasks } from '../workers/worker-pool.js'
import type { CanonizeRequest } from './canonical-forms.js'
import { createDocumentLoader } from './document-loader.js'

const documentLoader = createDocumentLoader()

answerTasks<CanonizeRequest, string>(({ document, options }) =>
  cryptosuite.canonize(document, { ...options, documentLoader }),
)
