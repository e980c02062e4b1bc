import { Link, Route, Switch } from "wouter"
import { useSession } from "./api/session.ts"
import { setToken } from "./api/token.ts"
import { AuthGate } from "./AuthGate.tsx"
import { JobPage } from "./pages/job/JobPage.tsx"
import { JobsPage } from "./pages/jobs/JobsPage.tsx"
import { OverviewPage } from "./pages/overview/OverviewPage.tsx"
import { QueuesPage } from "./pages/queues/QueuesPage.tsx"
import { ScansPage } from "./pages/scans/ScansPage.tsx"
import { SchedulesPage } from "./pages/schedules/SchedulesPage.tsx"
import { WorkersPage } from "./pages/workers/WorkersPage.tsx"
import { WorkflowPage } from "./pages/workflows/WorkflowPage.tsx"
import { WorkflowsPage } from "./pages/workflows/WorkflowsPage.tsx"

/** The navigation, in the order operators use it. */
const NAV: ReadonlyArray<readonly [string, string]> = [
  ["/", "Overview"],
  ["/jobs", "Jobs"],
  ["/workflows", "Workflows"],
  ["/scans", "Scans"],
  ["/schedules", "Schedules"],
  ["/queues", "Queues"],
  ["/workers", "Workers"]
]

const isActive = (href: string) => (active: boolean) => (active || (href !== "/" && location.pathname.startsWith(`/ui${href}/`)) ? "active" : "")

/** Header: the navigation and who is signed in. */
const Header = () => {
  const session = useSession()
  return (
    <header className="top">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <span className="brand">Leasehold</span>
      <nav aria-label="Main">
        <ul>
          {NAV.map(([href, name]) => (
            <li key={href}>
              <Link href={href} className={isActive(href)}>
                {name}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <span className="who">
        {session.canAct ? "admin" : "read-only"}
        {session.auth && (
          <button type="button" className="link" onClick={() => setToken(null)}>
            Sign out
          </button>
        )}
      </span>
    </header>
  )
}

/** The single-page app: the auth gate, the header and one route per page (deep links work). */
export const App = () => (
  <AuthGate>
    <Header />
    <main id="main" tabIndex={-1}>
      <Switch>
        <Route path="/" component={OverviewPage} />
        <Route path="/jobs" component={JobsPage} />
        <Route path="/jobs/:id">{(p) => <JobPage id={p.id} />}</Route>
        <Route path="/workflows" component={WorkflowsPage} />
        <Route path="/workflows/:id">{(p) => <WorkflowPage id={p.id} />}</Route>
        <Route path="/scans" component={ScansPage} />
        <Route path="/schedules" component={SchedulesPage} />
        <Route path="/queues" component={QueuesPage} />
        <Route path="/workers" component={WorkersPage} />
        <Route>
          <h1>Not found</h1>
          <p>
            No page here. <Link href="/">Go to the overview</Link>.
          </p>
        </Route>
      </Switch>
    </main>
  </AuthGate>
)
