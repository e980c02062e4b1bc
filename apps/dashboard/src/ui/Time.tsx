import { useEffect, useState } from "react"
import { formatRelative, formatUtc } from "./format.ts"

/** One shared second ticker, so relative times move even between data refreshes. */
const useNow = (): number => {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

/** A time shown relative ("2m ago"), with the UTC time on hover (title) and in the datetime attribute. */
export const Time = ({ at }: { readonly at: string | null | undefined }) => {
  const now = useNow()
  if (at === null || at === undefined) return <span className="muted">—</span>
  return (
    <time dateTime={at} title={formatUtc(at)}>
      {formatRelative(at, now)}
    </time>
  )
}
