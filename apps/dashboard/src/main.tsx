import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query"
import { Router } from "wouter"
import { ApiError } from "./api/client.ts"
import { getToken, setToken } from "./api/token.ts"
import { App } from "./App.tsx"
import "./styles.css"

/** A 401 on any read means the token is gone or wrong: forget it, and the gate asks again. */
const queryCache = new QueryCache({
  onError: (error, query) => {
    if (query.queryKey[0] === "whoami") return
    if (error instanceof ApiError && error.status === 401 && getToken() !== null) setToken(null)
  }
})

const client = new QueryClient({
  queryCache,
  defaultOptions: {
    queries: { refetchIntervalInBackground: false, refetchOnWindowFocus: true, retry: 1, staleTime: 500 },
    mutations: { retry: false }
  }
})

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <Router base="/ui">
        <App />
      </Router>
    </QueryClientProvider>
  </StrictMode>
)
