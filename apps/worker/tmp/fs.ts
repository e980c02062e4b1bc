import postgres from "postgres"
import pg from "/work/main/node_modules/.pnpm/pg@8.23.1/node_modules/pg/lib/index.js"
const url = "postgres://postgres@127.0.0.1:5432/postgres"
const sql = postgres(url, { max: 1, onnotice: () => {} })
const client = new pg.Client({ connectionString: url }); await client.connect()
await sql`create table if not exists fs_probe (id serial primary key, v int)`
const a: number[] = [], b: number[] = [], c: number[] = []
for (let i = 0; i < 100; i++) {
  let t = performance.now(); await sql`insert into fs_probe (v) values (1)`; a.push(performance.now() - t)
  await new Promise((r) => setTimeout(r, 5))
  t = performance.now(); await client.query("insert into fs_probe (v) values (1)"); b.push(performance.now() - t)
  await new Promise((r) => setTimeout(r, 5))
  t = performance.now(); await sql`select 1`; c.push(performance.now() - t)
  await new Promise((r) => setTimeout(r, 5))
}
const p = (xs: number[]) => { const s = xs.sort((x, y) => x - y); return `p50 ${s[50]!.toFixed(2)} p90 ${s[90]!.toFixed(2)}` }
console.log("postgres.js insert", p(a), "| pg insert", p(b), "| postgres.js select 1", p(c))
await sql`drop table fs_probe`; await sql.end(); await client.end()
