// Bundles the compiled command (dist/src) into dist/bundle: a node starts from about a hundred files instead of
// about a thousand modules, with their comments gone. Measured by bench/startup against the unbundled build
// (BENCH_CLI=dist/src/cli/main.js): 340 instead of 790 ms of CPU to ready, 79 instead of 88 MiB resident.
// Lazily loaded commands and services stay lazy (code splitting), and the worker scripts are entries of their
// own beside the chunks that start them by `new URL('./<name>.js', import.meta.url)`.
import { readFile, writeFile } from 'node:fs/promises'
import { build, type Plugin } from 'esbuild'

// jsonld.js's Node platform installs a network document loader, and with it undici (an HTTP client of 540 KB,
// about 3 MB of heap in every node that checks a credential). A node never lets jsonld.js fetch a context:
// every context it reads is bundled and every call passes a loader of its own. So the bundle gives jsonld.js
// a platform that installs no loader: its default then refuses every URL (jsonld.LoadDocumentError).
const offlineJsonld: Plugin = {
  name: 'offline-jsonld',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\/platform$/ }, (args) =>
      /[/\\]jsonld[/\\]lib[/\\]jsonld\.js$/.test(args.importer)
        ? { path: 'jsonld-platform', namespace: 'offline-jsonld' }
        : undefined,
    )
    bundler.onLoad({ filter: /.*/, namespace: 'offline-jsonld' }, () => ({
      contents: 'module.exports = { setupDocumentLoaders() {}, setupGlobals() {} }',
      loader: 'js',
    }))
  },
}

// @libp2p/kad-dht makes the random peer ids of a routing table refresh from a table of 65,536 numbers, shipped as an
// array literal of 479 KB: its source, the array and the literal's template took 1.2 MB of heap in every node. The
// bundle carries the same numbers in 3 bytes each (base64), unpacked into a Uint32Array when the module loads.
const compactPrefixList: Plugin = {
  name: 'compact-prefix-list',
  setup(bundler) {
    bundler.onLoad({ filter: /[/\\]kad-dht[/\\]dist[/\\]src[/\\]routing-table[/\\]generated-prefix-list\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const numbers = JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as number[]
      const bytes = Buffer.alloc(numbers.length * 3)
      // writeUIntBE refuses a number beyond 3 bytes: a kad-dht with a wider table stops the build here
      numbers.forEach((n, i) => bytes.writeUIntBE(n, i * 3, 3))
      const contents = [
        `const bytes = Buffer.from('${bytes.toString('base64')}', 'base64')`,
        `const prefixes = new Uint32Array(${numbers.length})`,
        'for (let i = 0; i < prefixes.length; i++) prefixes[i] = bytes.readUIntBE(i * 3, 3)',
        'export default prefixes',
      ].join('\n')
      return { contents, loader: 'js' }
    })
  },
}

// n3's `main` is CommonJS whose index requires all of it: the store, the reasoner and the stream parser with
// readable-stream (250 KB the bundle loaded at every start, where only the policy's Turtle reader and the DCAT
// export use n3). Its ES module source (`module`, free of side effects by its package.json) lets the bundle keep
// only the parser and the writer.
const n3AsEsm: Plugin = {
  name: 'n3-as-esm',
  setup(bundler) {
    bundler.onResolve({ filter: /^n3$/ }, async (args) => {
      const { path } = await bundler.resolve('n3/src/index.js', { kind: args.kind, resolveDir: args.resolveDir })
      return { path }
    })
  },
}

// classic-level finds its native addon by its own folder (node-gyp-build(__dirname)), so that one file stays in
// node_modules; the rest of the database stack (abstract-level and its helpers, about thirty small CommonJS
// files) goes into the bundle, where a start loads it without resolving and reading each file.
const nativeLevelBinding: Plugin = {
  name: 'native-level-binding',
  setup(bundler) {
    bundler.onResolve({ filter: /^\.\/binding$/ }, (args) =>
      /[/\\]classic-level[/\\][^/\\]+\.js$/.test(args.importer)
        ? { path: 'classic-level/binding.js', external: true }
        : undefined,
    )
  },
}

const result = await build({
  entryPoints: {
    allmende: 'dist/src/cli/main.js',
    'hash-worker': 'dist/src/transfer/data-plane/hash-worker.js',
    'canonize-worker': 'dist/src/credentials/canonize-worker.js',
    'data-worker': 'dist/src/bindings/http/data-worker.js',
  },
  outdir: 'dist/bundle',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Names stay, so a stack trace in a node's log still says which function failed.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  // An optional discovery service (classic-level's native addon: see nativeLevelBinding).
  external: ['@libp2p/mdns'],
  // Bundled CommonJS packages call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as allmendeRequire } from 'node:module'; const require = allmendeRequire(import.meta.url);" },
  plugins: [offlineJsonld, compactPrefixList, n3AsEsm, nativeLevelBinding],
  logLevel: 'warning',
  metafile: true,
})
// Which modules each bundle file holds, beside (not in) the package: a test reads it to see which libraries a
// node has loaded.
await writeFile('dist/bundle.meta.json', JSON.stringify(result.metafile))
