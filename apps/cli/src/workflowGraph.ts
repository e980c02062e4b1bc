import type { JobStatus, Workflow, WorkflowNode } from "@leasehold/contracts"

/** Up to this many jobs `show` draws every node; past it, each level is summarised (a screen holds about 50 lines). */
export const DRAW_EVERY_NODE_UP_TO = 50
/** Nodes a summarised level still names (the ones that need attention first: failed, running, ...). */
const NAMED_PER_LEVEL = 5
/** Dependencies a node line names before it only counts the rest (a reduce over 500 maps stays one line). */
const NAMED_DEPENDENCIES = 4

/** One mark per status, so a column of them reads at a glance. */
const MARK: Record<JobStatus, string> = {
  completed: "✔",
  failed: "✘",
  cancelled: "⊘",
  processing: "▶",
  retrying: "↻",
  pending: "○",
  blocked: "◌"
}

/** Which statuses a summary names first: what an operator looks for. */
const ATTENTION: ReadonlyArray<JobStatus> = ["failed", "retrying", "processing", "cancelled", "pending", "blocked", "completed"]

/**
 * Each node's level: 0 without dependencies, else one more than its deepest dependency (iterative, so a
 * 10,000-job chain draws too). A dependency missing from the graph counts as level 0.
 */
export const levelsOf = (nodes: ReadonlyArray<WorkflowNode>): Map<string, number> => {
  const byKey = new Map(nodes.map((n) => [n.key, n] as const))
  const level = new Map<string, number>()
  const entered = new Set<string>()
  for (const root of nodes) {
    if (entered.has(root.key)) continue
    entered.add(root.key)
    const stack = [{ node: root, next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const dep = byKey.get(top.node.depends_on[top.next++] ?? "")
      if (top.next <= top.node.depends_on.length) {
        if (dep !== undefined && !entered.has(dep.key)) {
          entered.add(dep.key)
          stack.push({ node: dep, next: 0 })
        }
        continue
      }
      level.set(top.node.key, Math.max(-1, ...top.node.depends_on.map((k) => level.get(k) ?? -1)) + 1)
      stack.pop()
    }
  }
  return level
}

const edges = (node: WorkflowNode): string => {
  if (node.depends_on.length === 0) return ""
  const named = node.depends_on.slice(0, NAMED_DEPENDENCIES).join(", ")
  const rest = node.depends_on.length - NAMED_DEPENDENCIES
  return `  ← ${named}${rest > 0 ? ` (+${rest} more)` : ""}`
}

const counted = (nodes: ReadonlyArray<WorkflowNode>): string => {
  const counts = new Map<JobStatus, number>()
  for (const n of nodes) counts.set(n.status, (counts.get(n.status) ?? 0) + 1)
  return ATTENTION.filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(", ")
}

/**
 * The workflow's graph as text, level by level: each node with its mark, key, status, job id and the
 * keys it waits for (`← a, b`). Past `DRAW_EVERY_NODE_UP_TO` jobs (unless `all`), each level is one
 * line of counts by status, naming the nodes that most need attention.
 */
export const drawWorkflowGraph = (workflow: Pick<Workflow, "jobs">, options: { readonly all?: boolean } = {}): string => {
  const nodes = workflow.jobs
  if (nodes.length === 0) return "(no jobs)"
  const level = levelsOf(nodes)
  const levels: Array<Array<WorkflowNode>> = []
  for (const n of nodes) (levels[level.get(n.key)!] ??= []).push(n)
  const every = options.all === true || nodes.length <= DRAW_EVERY_NODE_UP_TO
  const keyWidth = Math.min(40, Math.max(...nodes.map((n) => n.key.length)))
  const statusWidth = Math.max(...nodes.map((n) => n.status.length))
  const line = (n: WorkflowNode) =>
    `  ${MARK[n.status]} ${n.key.padEnd(keyWidth)}  ${n.status.padEnd(statusWidth)}  #${n.job_id}${edges(n)}`
  const out: Array<string> = []
  levels.forEach((members, depth) => {
    if (every) {
      out.push(`level ${depth}`)
      for (const n of members) out.push(line(n))
      return
    }
    out.push(`level ${depth}  ${members.length} job${members.length === 1 ? "" : "s"}: ${counted(members)}`)
    const named = [...members].sort((a, b) => ATTENTION.indexOf(a.status) - ATTENTION.indexOf(b.status) || a.job_id - b.job_id)
    for (const n of named.slice(0, NAMED_PER_LEVEL)) out.push(line(n))
    if (members.length > NAMED_PER_LEVEL) out.push(`  … ${members.length - NAMED_PER_LEVEL} more`)
  })
  if (!every) out.push(`(${nodes.length} jobs: levels summarised; --all draws every node)`)
  return out.join("\n")
}
