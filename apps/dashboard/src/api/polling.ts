/**
 * How often live pages refetch. The SPEC allows at most 2 s of lag: one interval plus one request.
 * TanStack Query stops the timer while the tab is hidden (refetchIntervalInBackground: false) and
 * refetches on focus, so a hidden dashboard costs the database nothing.
 */
export const REFRESH_MS = 1_000

/** Options every live query shares. */
export const live = { refetchInterval: REFRESH_MS, refetchIntervalInBackground: false } as const

/** Jobs per page of the jobs list: one screen of rows; the API allows up to 500. */
export const JOBS_PAGE_SIZE = 50

/** Throughput window of the overview chart (SPEC: the last hour, per minute). */
export const THROUGHPUT_MINUTES = 60
