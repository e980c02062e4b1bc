import type { ThroughputMinute } from "../../api/types.ts"
import { formatCount, formatUtc } from "../../ui/format.ts"

const W = 720
const H = 180
const PAD = { left: 40, right: 8, top: 10, bottom: 22 }

/** Stacked bars per minute, completed under failed, drawn as SVG (no chart library: the bundle stays small). */
export const ThroughputChart = ({ data }: { readonly data: ReadonlyArray<ThroughputMinute> }) => {
  const max = Math.max(1, ...data.map((m) => m.completed + m.failed))
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const slot = plotW / Math.max(1, data.length)
  const y = (n: number) => (n / max) * plotH
  const completed = data.reduce((s, m) => s + m.completed, 0)
  const failed = data.reduce((s, m) => s + m.failed, 0)
  const summary = `Throughput over the last ${data.length} minutes: ${formatCount(completed)} completed, ${formatCount(failed)} failed; busiest minute ${formatCount(max)} jobs.`
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} />
        <text className="tick" x={PAD.left - 4} y={PAD.top + 8} textAnchor="end">
          {formatCount(max)}
        </text>
        <text className="tick" x={PAD.left - 4} y={H - PAD.bottom} textAnchor="end">
          0
        </text>
        {data.map((m, i) => {
          const x = PAD.left + i * slot + 0.5
          const w = Math.max(1, slot - 1)
          const hc = y(m.completed)
          const hf = y(m.failed)
          return (
            <g key={m.at} className="minute" data-at={m.at} data-completed={m.completed} data-failed={m.failed}>
              <title>{`${formatUtc(m.at)}: ${m.completed} completed, ${m.failed} failed`}</title>
              <rect className="bar-completed" x={x} width={w} y={H - PAD.bottom - hc} height={hc} />
              <rect className="bar-failed" x={x} width={w} y={H - PAD.bottom - hc - hf} height={hf} />
            </g>
          )
        })}
        <text className="tick" x={PAD.left} y={H - 6}>
          {data.length} min ago
        </text>
        <text className="tick" x={W - PAD.right} y={H - 6} textAnchor="end">
          now
        </text>
      </svg>
      <figcaption>
        <span className="key key-completed">completed {formatCount(completed)}</span> <span className="key key-failed">failed {formatCount(failed)}</span>{" "}
        per minute, last hour (UTC minutes)
      </figcaption>
    </figure>
  )
}
