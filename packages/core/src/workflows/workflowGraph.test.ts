import { describe, expect, it } from "vitest"
import { findCycle, validateWorkflowJobs, workflowStatusOf } from "./workflowGraph.ts"

const job = (key: string, ...dependsOn: Array<string>) => ({ key, type: "t", dependsOn })

describe("validateWorkflowJobs", () => {
  it("accepts a diamond and names nothing", () => {
    expect(validateWorkflowJobs([job("a"), job("b", "a"), job("c", "a"), job("d", "b", "c")])).toBeNull()
  })
  it("names the later index of a duplicate key", () => {
    const e = validateWorkflowJobs([job("a"), job("b"), job("a")])
    expect(e?.reason).toBe("Validation")
    expect(e?.details).toEqual({ index: 2 })
  })
  it("names the index of an unknown dependency, and accepts a key of the workflow when adding", () => {
    expect(validateWorkflowJobs([job("a"), job("b", "zz")])?.details).toEqual({ index: 1 })
    expect(validateWorkflowJobs([job("b", "zz")], new Set(["zz"]))).toBeNull()
  })
  it("rejects a self-dependency as a cycle of one", () => {
    expect(validateWorkflowJobs([job("a"), job("b", "b")])?.details).toEqual({ index: 1, cycle: ["b"] })
  })
  it("lists exactly the keys of one cycle, in dependency order", () => {
    const jobs = [job("x"), job("a", "x", "b"), job("b", "c"), job("c", "a"), job("d", "a")]
    const e = validateWorkflowJobs(jobs)
    const cycle = (e?.details as { cycle: Array<string> }).cycle
    expect([...cycle].sort()).toEqual(["a", "b", "c"])
    for (let i = 0; i < cycle.length; i++) {
      const from = jobs.find((j) => j.key === cycle[i])!
      expect(from.dependsOn).toContain(cycle[(i + 1) % cycle.length])
    }
  })
  it("bounds the request size and the key format", () => {
    expect(validateWorkflowJobs([])?.reason).toBe("Validation")
    expect(validateWorkflowJobs(Array.from({ length: 10_001 }, (_, i) => job(`k${i}`)))?.reason).toBe("Validation")
    expect(validateWorkflowJobs([job("bad key")])?.details).toEqual({ index: 0 })
  })
  it("walks a 10,000-deep chain without recursion", () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => (i === 0 ? job("k0", "k9999") : job(`k${i}`, `k${i - 1}`)))
    expect(findCycle(chain)).toHaveLength(10_000)
    expect(findCycle(chain.slice(1).concat(job("k0")))).toBeNull()
  })
})

describe("workflowStatusOf", () => {
  const zero = { blocked: 0, pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 }
  it("is running while anything is unfinished, then failed over cancelled over completed", () => {
    expect(workflowStatusOf({ ...zero, blocked: 1, failed: 1 })).toBe("running")
    expect(workflowStatusOf({ ...zero, completed: 2, failed: 1, cancelled: 1 })).toBe("failed")
    expect(workflowStatusOf({ ...zero, completed: 2, cancelled: 1 })).toBe("cancelled")
    expect(workflowStatusOf({ ...zero, completed: 2 })).toBe("completed")
  })
})
