import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { Effect, Ref } from "effect"
import type { HealthCheckConfig } from "../../domain/thermos/config.ts"
import {
  type HealthState,
  healthParams,
  healthStatus,
  initialHealth,
  recordProbe,
  shouldProbe
} from "../../domain/thermos/health.ts"

/** Health probes and the checking loop of executor.md §7. */
export interface ProbeResult {
  readonly ok: boolean
  readonly reason: string
}

/** GET http://127.0.0.1:<port><endpoint>; passes on the expected body (trimmed, case-insensitive) and code. */
export const httpProbe = (
  port: number,
  checker: {
    readonly endpoint: string
    readonly expected_response: string
    readonly expected_response_code: number
  },
  timeoutMs: number
): Effect.Effect<ProbeResult> =>
  Effect.tryPromise(async () => {
    const res = await fetch(`http://127.0.0.1:${port}${checker.endpoint}`, {
      signal: AbortSignal.timeout(timeoutMs)
    })
    const body = await res.text()
    if (
      checker.expected_response !== "" &&
      body.trim().toLowerCase() !== checker.expected_response.toLowerCase()
    )
      return {
        ok: false,
        reason: `Response differs from expected response (${res.status}): ${body.trim().slice(0, 200)}`
      }
    if (checker.expected_response_code !== 0 && res.status !== checker.expected_response_code)
      return {
        ok: false,
        reason: `Response code ${res.status} differs from expected ${checker.expected_response_code}`
      }
    return { ok: true, reason: "" }
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed({ ok: false, reason: `Health check failed: ${String(e.error ?? e)}` })
    )
  )

/** `/bin/bash -c CMD` in the sandbox; exit 0 passes, anything else (or a timeout) fails. */
export const shellProbe = (
  cmd: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
  timeoutMs: number
): Effect.Effect<ProbeResult> =>
  Effect.async<ProbeResult>((resume) => {
    const child = spawn("/bin/bash", ["-c", cmd], { cwd, env, stdio: "ignore", detached: true })
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {}
      resume(Effect.succeed({ ok: false, reason: "Health check timed out." }))
    }, timeoutMs)
    child.on("error", (e) => {
      clearTimeout(timer)
      resume(Effect.succeed({ ok: false, reason: String(e.message) }))
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      resume(
        Effect.succeed(
          code === 0 ? { ok: true, reason: "" } : { ok: false, reason: `Shell health check exited ${code}` }
        )
      )
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {}
    })
  })

/** Chooses the probe: a shell checker wins; an HTTP one needs a `health` port; else none (healthy). */
export const chooseProbe = (
  config: HealthCheckConfig,
  ports: Readonly<Record<string, number>>,
  sandbox: string
): Effect.Effect<ProbeResult> | undefined => {
  const timeoutMs = config.timeout_secs * 1000
  const shell = config.health_checker.shell
  if (shell !== undefined)
    return shellProbe(
      shell.shell_command,
      sandbox,
      { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: sandbox },
      timeoutMs
    )
  const http = config.health_checker.http
  if (http !== undefined && ports.health !== undefined) return httpProbe(ports.health, http, timeoutMs)
  return undefined
}

/**
 * Runs checks forever: first at once, then every interval. `onChange` sees each new status
 * (STARTING → RUNNING, or FAILED with the reason); a snoozed check passes without probing.
 */
export const healthLoop = (
  config: HealthCheckConfig,
  probe: Effect.Effect<ProbeResult>,
  sandbox: string,
  onChange: (status: "RUNNING" | "FAILED", reason: string) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const params = healthParams(config)
    const state = yield* Ref.make<HealthState>(initialHealth)
    const snooze = join(sandbox, ".healthchecksnooze")
    let last = "STARTING"
    for (;;) {
      const before = yield* Ref.get(state)
      const gate = shouldProbe(before, params)
      let next = gate.state
      if (gate.probe) {
        const r = existsSync(snooze) ? { ok: true, reason: "" } : yield* probe
        next = recordProbe(gate.state, params, r.ok, r.reason)
      }
      yield* Ref.set(state, next)
      const status = healthStatus(next)
      if (status !== last && status !== "STARTING") {
        last = status
        yield* onChange(status, next.unhealthy ?? "Task is healthy.")
      }
      yield* Effect.sleep(config.interval_secs * 1000)
    }
  })
