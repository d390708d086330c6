// The leader redirect of api-storage-security.md §4.2, as a pure decision over the request and the
// leader status, so the filter and its tests share one rule.
import type { LeaderStatus } from "../../domain/coordinator/index.ts"

/** Leader-only paths: prefix matches (so /apibeta too), the UI pages and their assets. */
const LEADER_ONLY =
  /^(\/agents|\/api|\/cron|\/maintenance|\/mname|\/offers|\/pendingtasks|\/quotas|\/slaves|\/state|\/tiers|\/utilization)/
const UI = /^\/(assets\/scheduler|scheduler|updates)(\/.*)?$/

export const isLeaderOnlyPath = (path: string): boolean => LEADER_ONLY.test(path) || UI.test(path)

export type RedirectDecision =
  | { readonly _tag: "Serve" }
  | { readonly _tag: "Redirect"; readonly location: string }
  | { readonly _tag: "NoLeader" }

const hostForUrl = (host: string): string =>
  host.includes(":") && !host.startsWith("[") ? `[${host}]` : host

/**
 * Serve locally unless the path is leader-only and no `Bypass-Leader-Redirect` header is present; then
 * LEADING serves, NOT_LEADING redirects keeping path and query, NO_LEADER answers 503.
 */
export const redirectDecision = (request: {
  readonly path: string
  /** With its leading `?`, or empty. */
  readonly search: string
  readonly bypass: boolean
  readonly scheme: string
  readonly status: LeaderStatus
}): RedirectDecision => {
  if (request.bypass || !isLeaderOnlyPath(request.path)) return { _tag: "Serve" }
  switch (request.status._tag) {
    case "Leading":
      return { _tag: "Serve" }
    case "NoLeader":
      return { _tag: "NoLeader" }
    case "NotLeading": {
      const { host, port } = request.status.leader
      return {
        _tag: "Redirect",
        location: `${request.scheme}://${hostForUrl(host)}:${port}${request.path}${request.search}`
      }
    }
  }
}

export const NO_LEADER_PAGE = `<!DOCTYPE html>
<html>
<head><title>Aurora scheduler: no leader</title></head>
<body>
<h1>No leading scheduler</h1>
<p>No scheduler is currently leading this cluster; this can happen briefly while a new leader is
elected and recovers its storage. Please retry shortly.</p>
</body>
</html>
`

export const leaderHealth = (status: LeaderStatus): { readonly code: number; readonly text: string } => {
  const name =
    status._tag === "Leading" ? "LEADING" : status._tag === "NotLeading" ? "NOT_LEADING" : "NO_LEADER"
  const code = status._tag === "Leading" ? 200 : status._tag === "NotLeading" ? 503 : 502
  return {
    code,
    text: `Current status: ${name}

This endpoint answers 200 when this scheduler is the leader, 503 when another scheduler leads and
502 when there is no leader (or leadership is unknown), so a load balancer can send traffic to the leader.
`
  }
}
