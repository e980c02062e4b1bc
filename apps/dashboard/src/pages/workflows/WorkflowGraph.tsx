import { useLocation } from "wouter"
import type { WorkflowNode } from "../../api/types.ts"
import { NODE_H, NODE_W, layoutGraph } from "./graphLayout.ts"

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

/** The workflow as SVG: one box per job (its key and status, coloured by status, a link to the job), arrows for depends_on. */
export const WorkflowGraph = ({ jobs }: { readonly jobs: ReadonlyArray<WorkflowNode> }) => {
  const g = layoutGraph(jobs)
  const [, navigate] = useLocation()
  return (
    <div className="graph scroll">
      <svg width={g.width} height={g.height} viewBox={`0 0 ${g.width} ${g.height}`} role="group" aria-label={`Workflow graph of ${jobs.length} jobs`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
          </marker>
        </defs>
        {g.edges.map(({ from, to }) => {
          const x1 = from.x + NODE_W
          const y1 = from.y + NODE_H / 2
          const x2 = to.x
          const y2 = to.y + NODE_H / 2
          const mid = (x1 + x2) / 2
          return <path key={`${from.node.key}->${to.node.key}`} className="edge" d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} markerEnd="url(#arrow)" />
        })}
        {g.nodes.map(({ node, x, y }) => (
          <a
            key={node.key}
            href={`/ui/jobs/${node.job_id}`}
            aria-label={`${node.key}: ${node.status}`}
            onClick={(e) => {
              e.preventDefault()
              navigate(`/jobs/${node.job_id}`)
            }}
          >
            <title>{`${node.key} (${node.type}, job ${node.job_id}): ${node.status}`}</title>
            <rect className={`node status-${node.status}`} x={x} y={y} width={NODE_W} height={NODE_H} rx={6} />
            <text className="node-key" x={x + 8} y={y + 19}>
              {clip(node.key, 22)}
            </text>
            <text className="node-status" x={x + 8} y={y + 36}>
              {node.status}
            </text>
          </a>
        ))}
      </svg>
    </div>
  )
}
