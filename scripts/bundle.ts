// Bundles the compiled command (dist/src) into dist/bundle: a node starts from about a hundred files instead of
// about a thousand modules, with their comments gone. Measured by bench/startup against the unbundled build
// (BENCH_CLI=dist/src/cli/main.js): 340 instead of 790 ms of CPU to ready, 79 instead of 88 MiB resident.
// Lazily loaded commands and services stay lazy (code splitting), and the worker scripts are entries of their
// own beside the chunks that start them by `new URL('./<name>.js', import.meta.url)`.
import { writeFile } from 'node:fs/promises'
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
  // A native addon, a logger that starts worker files of its own by path, and an optional discovery service.
  external: ['classic-level', 'pino', '@libp2p/mdns'],
  // Bundled CommonJS packages call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as allmendeRequire } from 'node:module'; const require = allmendeRequire(import.meta.url);" },
  plugins: [offlineJsonld],
  logLevel: 'warning',
  metafile: true,
})
// Which modules each bundle file holds, beside (not in) the package: a test reads it to see which libraries a
// node has loaded.
await writeFile('dist/bundle.meta.json', JSON.stringify(result.metafile))
