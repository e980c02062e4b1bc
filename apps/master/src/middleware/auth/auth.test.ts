import { describe, expect, it } from "vitest"
import { roleAllows, type Role } from "./auth.ts"

const table: Array<[string, string, Record<Role, boolean>]> = [
  ["POST", "/jobs", { admin: true, producer: true, worker: false }],
  ["POST", "/jobs/batch", { admin: true, producer: true, worker: false }],
  ["GET", "/jobs", { admin: true, producer: true, worker: false }],
  ["GET", "/jobs/7", { admin: true, producer: true, worker: true }],
  ["POST", "/jobs/lease", { admin: true, producer: false, worker: true }],
  ["POST", "/jobs/7/renew", { admin: true, producer: false, worker: true }],
  ["POST", "/jobs/7/complete", { admin: true, producer: false, worker: true }],
  ["POST", "/jobs/7/fail", { admin: true, producer: false, worker: true }],
  ["POST", "/jobs/7/release", { admin: true, producer: false, worker: true }],
  ["POST", "/jobs/7/retry", { admin: true, producer: false, worker: false }],
  ["POST", "/jobs/7/cancel", { admin: true, producer: false, worker: false }],
  ["POST", "/leases/ack", { admin: true, producer: false, worker: true }],
  ["POST", "/leases/renew", { admin: true, producer: false, worker: true }],
  ["POST", "/leases/recover", { admin: true, producer: false, worker: false }],
  ["GET", "/leases", { admin: true, producer: true, worker: false }],
  ["GET", "/stats", { admin: true, producer: true, worker: false }],
  ["GET", "/workers", { admin: true, producer: true, worker: false }],
  ["POST", "/scans", { admin: true, producer: false, worker: false }],
  ["GET", "/scans/s", { admin: true, producer: true, worker: false }],
  ["GET", "/schedules", { admin: true, producer: true, worker: false }],
  ["POST", "/schedules", { admin: true, producer: false, worker: false }],
  ["PATCH", "/schedules/n", { admin: true, producer: false, worker: false }],
  ["DELETE", "/schedules/n", { admin: true, producer: false, worker: false }],
  ["POST", "/schedules/n/pause", { admin: true, producer: false, worker: false }]
]

describe("roleAllows (SPEC auth scope)", () => {
  it.each(table)("%s %s", (method, path, expected) => {
    for (const role of ["admin", "producer", "worker"] as const) expect([role, roleAllows(role, method, path)]).toEqual([role, expected[role]])
  })
})
