/** Child process of the concurrent-migration test: waits at a barrier, migrates, prints what it applied. */
import { connect } from "../src/connect.ts"
import { migrate } from "../src/migrate.ts"

const [url, barrier] = process.argv.slice(2)
if (!url || !barrier) throw new Error("usage: migrateProcess <url> <barrier-lock-key>")
const sql = connect(url, { max: 2, application: "leasehold-migrate-child" })
try {
  const gate = connect(url, { max: 1 })
  await gate`select 1`
  process.stdout.write("ready\n")
  await gate`select pg_advisory_lock_shared(${barrier}::bigint)`
  await gate.end()
  const { applied } = await migrate(sql)
  process.stdout.write(`${JSON.stringify(applied)}\n`)
} finally {
  await sql.end({ timeout: 5 })
}
