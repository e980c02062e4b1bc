#!/usr/bin/env node
// Starts fast: the TypeScript sources (this package and the workspace packages it imports) are
// bundled by esbuild into a cached ESM file that Node runs directly, npm dependencies left to Node.
// The cache is rebuilt when any bundled source changes; without esbuild it falls back to tsx.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const cacheDir = join(root, "node_modules", ".cache", "leasehold-cli")
const bundle = join(cacheDir, "main.mjs")
const manifest = join(cacheDir, "inputs.json")

const fresh = () => {
  try {
    const inputs = JSON.parse(readFileSync(manifest, "utf8"))
    return Object.entries(inputs).every(([file, mtime]) => statSync(file).mtimeMs === mtime)
  } catch {
    return false
  }
}

const rebuild = async () => {
  const { build } = await import("esbuild")
  const result = await build({
    entryPoints: [join(root, "src", "main.ts")],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    plugins: [
      {
        name: "npm-external",
        setup: (b) =>
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@leasehold/") ? undefined : { path: args.path, external: true }
          )
      }
    ]
  })
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((f) => {
      const file = join(process.cwd(), f)
      return [file, statSync(file).mtimeMs]
    })
  )
  mkdirSync(cacheDir, { recursive: true })
  const tmp = `${bundle}.${process.pid}.tmp`
  writeFileSync(tmp, result.outputFiles[0].contents)
  renameSync(tmp, bundle)
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs))
  renameSync(`${manifest}.${process.pid}.tmp`, manifest)
}

let ready = fresh()
if (!ready) {
  try {
    await rebuild()
    ready = true
  } catch {
    ready = false
  }
}
if (ready) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import("../src/main.ts")
}
