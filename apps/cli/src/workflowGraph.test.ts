import { describe, expect, it } from "vitest"
import type { JobStatus, WorkflowNode } from "@leasehold/contracts"
import { drawWorkflowGraph, levelsOf } from "./workflowGraph.ts"

const node = (job_id: number, key: string, status: JobStatus, ...depends_on: Array<string>): WorkflowNode => ({
  job_id,
  key,
  type: "t",
  queue: "default",
  status,
  depends_on
})

describe("drawWorkflowGraph", () => {
  it("draws a diamond level by level, each node with its status, id and the keys it waits for", () => {
    const jobs = [node(1, "a", "completed"), node(2, "b", "processing", "a"), node(3, "c", "failed", "a"), node(4, "d", "blocked", "b", "c")]
    expect(drawWorkflowGraph({ jobs })).toBe(
      [
        "level 0",
        "  ✔ a  completed   #1",
        "level 1",
        "  ▶ b  processing  #2  ← a",
        "  ✘ c  failed      #3  ← a",
        "level 2",
        "  ◌ d  blocked     #4  ← b, c"
      ].join("\n")
    )
  })

  it("levels by the deepest dependency whatever the order of the jobs, and draws a 10,000-job chain", () => {
    const levels = levelsOf([node(4, "d", "blocked", "b", "a"), node(2, "b", "pending", "a"), node(1, "a", "pending")])
    expect(Object.fromEntries(levels)).toEqual({ a: 0, b: 1, d: 2 })
    const chain = Array.from({ length: 10_000 }, (_, i) => node(i + 1, `n${i}`, "blocked", ...(i === 0 ? [] : [`n${i - 1}`])))
    expect(levelsOf(chain).get("n9999")).toBe(9999)
  })

  it("summarises past 50 jobs: counts per level, the nodes needing attention first, long edge lists cut", () => {
    const maps = Array.from({ length: 60 }, (_, i) => node(i + 2, `map-${i}`, i === 7 ? "failed" : i < 50 ? "completed" : "processing", "split"))
    const jobs = [node(1, "split", "completed"), ...maps, node(62, "reduce", "blocked", ...maps.map((m) => m.key))]
    const text = drawWorkflowGraph({ jobs })
    expect(text.split("\n")).toEqual([
      "level 0  1 job: 1 completed",
      "  ✔ split   completed   #1",
      "level 1  60 jobs: 1 failed, 10 processing, 49 completed",
      "  ✘ map-7   failed      #9  ← split",
      "  ▶ map-50  processing  #52  ← split",
      "  ▶ map-51  processing  #53  ← split",
      "  ▶ map-52  processing  #54  ← split",
      "  ▶ map-53  processing  #55  ← split",
      "  … 55 more",
      "level 2  1 job: 1 blocked",
      "  ◌ reduce  blocked     #62  ← map-0, map-1, map-2, map-3 (+56 more)",
      "(62 jobs: levels summarised; --all draws every node)"
    ])
    expect(drawWorkflowGraph({ jobs }, { all: true }).split("\n")).toHaveLength(3 + 62)
  })
})
