import type { WorkflowNode } from "../../api/types.ts"

/** Node box size and gaps of the drawn graph, in SVG units. */
export const NODE_W = 160
export const NODE_H = 46
const GAP_X = 56
const GAP_Y = 18

/** A node placed on the canvas. */
export interface Placed {
  readonly node: WorkflowNode
  readonly x: number
  readonly y: number
}

/** The layout: nodes in columns by depth (longest path from a root), edges from each dependency to its dependent. */
export interface GraphLayout {
  readonly nodes: ReadonlyArray<Placed>
  readonly edges: ReadonlyArray<{ readonly from: Placed; readonly to: Placed }>
  readonly width: number
  readonly height: number
}

/** Lays a DAG out left to right; a dependency on a key not in the list is ignored (it cannot be drawn). */
export const layoutGraph = (jobs: ReadonlyArray<WorkflowNode>): GraphLayout => {
  const byKey = new Map(jobs.map((j) => [j.key, j]))
  const depth = new Map<string, number>()
  const depthOf = (key: string, seen: Set<string>): number => {
    const known = depth.get(key)
    if (known !== undefined) return known
    if (seen.has(key)) return 0
    seen.add(key)
    const deps = (byKey.get(key)?.depends_on ?? []).filter((d) => byKey.has(d))
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((k) => depthOf(k, seen)))
    depth.set(key, d)
    return d
  }
  const columns: WorkflowNode[][] = []
  for (const j of [...jobs].sort((a, b) => a.job_id - b.job_id)) (columns[depthOf(j.key, new Set())] ??= []).push(j)
  const placed = new Map<string, Placed>()
  columns.forEach((col, c) =>
    col.forEach((node, r) => placed.set(node.key, { node, x: c * (NODE_W + GAP_X) + 4, y: r * (NODE_H + GAP_Y) + 4 }))
  )
  const edges = jobs.flatMap((j) =>
    j.depends_on.flatMap((d) => {
      const from = placed.get(d)
      const to = placed.get(j.key)
      return from && to ? [{ from, to }] : []
    })
  )
  const rows = Math.max(1, ...columns.map((c) => c.length))
  return {
    nodes: [...placed.values()],
    edges,
    width: Math.max(1, columns.length) * (NODE_W + GAP_X) - GAP_X + 8,
    height: rows * (NODE_H + GAP_Y) - GAP_Y + 8
  }
}
