// Summarises a .cpuprofile: self time by function and by package, for `BENCH_PROFILE=dir pnpm bench`.
import { readdirSync, readFileSync } from "node:fs"
const dir = process.argv[2]
const file = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => [f, readFileSync(`${dir}/${f}`).length]).sort((a, b) => b[1] - a[1])[0][0]
const p = JSON.parse(readFileSync(`${dir}/${file}`, "utf8"))
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const self = new Map()
p.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + p.timeDeltas[i]))
const total = [...self.values()].reduce((a, b) => a + b, 0)
const fn = new Map()
const pkg = new Map()
for (const [id, t] of self) {
  const f = byId.get(id).callFrame
  const key = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber}`
  fn.set(key, (fn.get(key) ?? 0) + t)
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(f.url)
  const k2 = m ? m[1] : f.url.includes("/work/main/") ? f.url.split("/work/main/")[1].split("/").slice(0, 2).join("/") : f.url ? "node:internal" : f.functionName
  pkg.set(k2, (pkg.get(k2) ?? 0) + t)
}
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, t]) => console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`))
console.log("by package:"); show(pkg, 15)
console.log("by function:"); show(fn, 30)
