// Bundles the Code action door (js/klaviyo.mjs) into ONE file, with the wasm
// built for the Code action only (`--no-default-features`: no Worker class,
// no ledger driver): every import of ../pkg/passbridge*.js is resolved to that
// build instead of the package's full one.
//   node js/build/bundle-code-action.mjs <entry> <wasm-bindgen out dir> <outfile> <banner file>
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";

const [entry, pkgDir, outfile, bannerFile] = process.argv.slice(2);
const result = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  format: "esm",
  platform: "neutral",
  minify: true,
  legalComments: "none",
  banner: { js: readFileSync(bannerFile, "utf8").trimEnd() },
  outfile,
  logLevel: "warning",
  metafile: true,
  plugins: [
    {
      name: "code-action-wasm",
      setup(build) {
        build.onResolve({ filter: /(^|\/)pkg\/passbridge(_inline)?\.js$/ }, (args) => ({
          path: resolve(pkgDir, basename(args.path)),
        }));
      },
    },
  ],
});
const inputs = Object.keys(result.metafile.inputs);
const stray = inputs.filter((p) => /(^|\/)pkg\/passbridge/.test(p));
if (stray.length > 0) throw new Error(`the single file must not include the full build: ${stray.join(", ")}`);
