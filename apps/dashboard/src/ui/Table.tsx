import type { ReactNode } from "react"

/** A data table in a sideways-scrolling box (phones), captioned for screen readers. */
export const Table = ({ caption, head, children }: { readonly caption: string; readonly head: ReactNode; readonly children: ReactNode }) => (
  <div className="scroll">
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>{head}</tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
)
