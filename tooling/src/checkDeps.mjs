#!/usr/bin/env node
// Fails when a workspace edge points the wrong way: contracts <- core <- store-postgres,
// apps -> packages (and tooling), never back. Checks both package.json edges and imports in source.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs"
import { join } from "node:path"

const root = new URL("../..", import.meta.url).pathname
/** Which workspace packages each package may depend on. */
const allowed = {
  "@leasehold/contracts": [],
  "@leasehold/core": ["@leasehold/contracts", "@leasehold/tooling"],
  "@leasehold/store-postgres": ["@leasehold/contracts", "@leasehold/core", "@leasehold/tooling"],
  "@leasehold/embedded-postgres": [],
  "@leasehold/tooling": ["@leasehold/embedded-postgres"]
}
const appAllowed = ["@leasehold/contracts", "@leasehold/core", "@leasehold/store-postgres", "@leasehold/embedded-postgres", "@leasehold/tooling"]

const dirs = ["packages", "apps"].flatMap((d) =>
  existsSync(join(root, d)) ? readdirSync(join(root, d)).map((n) => join(root, d, n)) : []
).concat([join(root, "tooling")])

const walk = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    if (n === "node_modules" || n === "dist") return []
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts|js|mjs)$/.test(n) ? [p] : []
  })

const errors = []
for (const dir of dirs) {
  const pkgPath = join(dir, "package.json")
  if (!existsSync(pkgPath)) continue
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"))
  const isApp = dir.includes(`${root}apps/`)
  const ok = isApp ? appAllowed : allowed[pkg.name]
  if (!ok) { errors.push(`${pkg.name}: unknown package, add it to tooling/src/checkDeps.mjs`); continue }
  const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.startsWith("@leasehold/"))
  for (const d of declared) if (!ok.includes(d)) errors.push(`${pkg.name} declares ${d}: wrong direction`)
  for (const file of walk(dir)) {
    const src = readFileSync(file, "utf8")
    for (const m of src.matchAll(/from\s+["'](@leasehold\/[a-z-]+)/g)) {
      if (m[1] !== pkg.name && !ok.includes(m[1])) errors.push(`${file.slice(root.length)} imports ${m[1]}: wrong direction`)
      if (m[1] !== pkg.name && !declared.includes(m[1])) errors.push(`${file.slice(root.length)} imports undeclared ${m[1]}`)
    }
  }
}
if (errors.length) {
  console.error(`dependency check failed:\n  ${errors.join("\n  ")}`)
  process.exit(1)
}
console.log(`dependency check: ${dirs.length} workspaces, every edge points the right way`)
