// Bundles the compiled command (dist/src) into dist/bundle: a node starts from one script instead of about a
// thousand modules, with their comments gone. Measured by bench/startup against the unbundled build
// (BENCH_CLI=dist/src/cli/main.js): 340 instead of 790 ms of CPU to ready, 79 instead of 88 MiB resident.
// The command is one CommonJS script, allmende.cjs, which the bin (allmende.js, src/cli/bin.ts) compiles with
// V8's code cache (src/cli/code-cache.ts); lazily loaded commands and services are evaluated on first use, not
// compiled before. The worker scripts are ES module entries of their own beside the script, with the chunks
// they share, started by `new URL('./<name>.js', import.meta.url)`.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { build, type BuildOptions, type Plugin } from 'esbuild'

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

// mime-types (koa's, through accepts and type-is) reads mime-db's 2,500 types and scores every extension when
// it loads: about a tenth of the API's load time at every start, for lookups the API makes at its first request
// that names a type by extension, if ever. The bundle defers both to the first lookup. A mime-types whose source
// no longer reads as expected stops the build here.
const lazyMimeTypes: Plugin = {
  name: 'lazy-mime-types',
  setup(bundler) {
    bundler.onLoad({ filter: /[/\\]mime-types[/\\]index\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8')
      const replace = (from: string | RegExp, to: string, times: number) => {
        const found = text.split(from).length - 1
        if (found !== times) throw new Error(`${args.path}: expected ${from} ${times} times, found ${found}`)
        text = text.replaceAll(from instanceof RegExp ? new RegExp(from, 'g') : from, to)
      }
      replace("var db = require('mime-db')", "var loadedDb\nfunction mimeDb () { return (loadedDb ??= require('mime-db')) }", 1)
      replace(/\bdb\[/, 'mimeDb()[', 6)
      replace('Object.keys(db)', 'Object.keys(mimeDb())', 1)
      replace('exports.extensions = Object.create(null)', '', 1)
      replace('exports.types = Object.create(null)', '', 1)
      replace(
        'populateMaps(exports.extensions, exports.types)',
        [
          'var maps',
          'function populatedMaps () {',
          '  if (maps === undefined) {',
          '    maps = { extensions: Object.create(null), types: Object.create(null) }',
          '    populateMaps(maps.extensions, maps.types)',
          '  }',
          '  return maps',
          '}',
          "Object.defineProperty(exports, 'extensions', { enumerable: true, get: () => populatedMaps().extensions })",
          "Object.defineProperty(exports, 'types', { enumerable: true, get: () => populatedMaps().types })",
        ].join('\n'),
        1,
      )
      return { contents: text, loader: 'js' }
    })
  },
}

/** What all three builds share: whitespace-free, names kept (a stack trace in a node's log still says which function failed). */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
} satisfies BuildOptions

// The command: one CommonJS script, for V8's code cache (Node 20 keeps none for ES modules). Its
// `import.meta.url` is its own file's URL, as in an ES module beside the worker scripts.
await build({
  ...common,
  entryPoints: { allmende: 'dist/src/cli/main.js' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // An optional discovery service, loaded by import() when configured.
  external: ['@libp2p/mdns'],
  define: { 'import.meta.url': 'allmendeModuleUrl' },
  banner: { js: "const allmendeModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [offlineJsonld, compactPrefixList, n3AsEsm, nativeLevelBinding, lazyMimeTypes],
})

// The bin: compiles the command with the cache of this build, named by the command's content.
const commandId = createHash('sha256')
  .update(await readFile('dist/bundle/allmende.cjs'))
  .digest('base64url')
  .slice(0, 22)
await build({
  ...common,
  entryPoints: { allmende: 'dist/src/cli/bin.js' },
  outdir: 'dist/bundle',
  format: 'esm',
  define: { ALLMENDE_BUNDLE_ID: JSON.stringify(commandId) },
})

// Worker threads and processes: ES modules with the chunks they share.
await build({
  ...common,
  entryPoints: {
    'hash-worker': 'dist/src/transfer/data-plane/hash-worker.js',
    'canonize-worker': 'dist/src/credentials/canonize-worker.js',
    'data-worker': 'dist/src/bindings/http/data-worker.js',
  },
  outdir: 'dist/bundle',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  splitting: true,
  format: 'esm',
  // Bundled CommonJS packages call require(); in an ES module it has to be made.
  banner: { js: "import { createRequire as allmendeRequire } from 'node:module'; const require = allmendeRequire(import.meta.url);" },
  plugins: [offlineJsonld, compactPrefixList, n3AsEsm, nativeLevelBinding, lazyMimeTypes],
})
