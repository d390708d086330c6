// SchedulerLifecycle (api-storage-security.md §3.1): IDLE -> PREPARING_STORAGE -> STORAGE_PREPARED ->
// (elected) LEADER_AWAITING_REGISTRATION -> (registered) ACTIVE -> DEAD. A deposed leader never goes
// back to standby: DEAD ends the run and the process exits (a supervisor restarts it).
import { Cause, Deferred, Duration, Effect, Metric, Ref, type Scope } from "effect"
import { type Endpoint, leaderStatus, schedulerMember } from "../../domain/coordinator/index.ts"
import {
  LIFECYCLE_STATES,
  type LifecycleState,
  type SchedulerLifecycleShape
} from "../../services/SchedulerLifecycle.ts"
import { join } from "../coordinator/leaderElection.ts"
import { advertise, trackLeader } from "../coordinator/serverset.ts"

const stateGauges = new Map(
  LIFECYCLE_STATES.map((s) => [s, Metric.gauge(`scheduler_lifecycle_${s}`)] as const)
)

export interface LifecycleHandle extends SchedulerLifecycleShape {
  readonly setState: (s: LifecycleState) => Effect.Effect<void>
  /** Completes with the reason once shutdown was asked for. */
  readonly awaitShutdown: Effect.Effect<string>
  /** This scheduler's advertised address, once its HTTP server is bound. */
  readonly self: () => Endpoint
  readonly setSelf: (self: Endpoint) => Effect.Effect<void>
}

/** The lifecycle's shared state; the HTTP server uses it before the election starts. */
export const makeLifecycle = (serversetPath: string) =>
  Effect.gen(function* () {
    let self: Endpoint = { host: "", port: 0 }
    const state = yield* Ref.make<LifecycleState>("IDLE")
    const dead = yield* Deferred.make<string>()
    const tracker = yield* trackLeader(serversetPath)
    const setState = (s: LifecycleState) =>
      Effect.gen(function* () {
        const previous = yield* Ref.getAndSet(state, s)
        if (previous === s) return
        yield* Metric.set(stateGauges.get(previous)!, 0)
        yield* Metric.set(stateGauges.get(s)!, 1)
        yield* Effect.logInfo(`scheduler lifecycle: ${previous} -> ${s}`)
      })
    yield* setState("IDLE").pipe(Effect.zipRight(Metric.set(stateGauges.get("IDLE")!, 1)))
    const handle: LifecycleHandle = {
      self: () => self,
      setSelf: (endpoint) =>
        Effect.sync(() => {
          self = endpoint
        }),
      state: Ref.get(state),
      leaderStatus: Effect.map(tracker.current, (view) => leaderStatus(view, self)),
      shutdown: (reason) => Deferred.succeed(dead, reason).pipe(Effect.asVoid),
      setState,
      awaitShutdown: Deferred.await(dead)
    }
    return handle
  })

export interface LeaderRun {
  /** Completes when the cluster manager has registered the framework (first Subscribed). */
  readonly registered: Effect.Effect<void>
  /** Starts what only an ACTIVE leader runs (after registration, before advertising). */
  readonly activate: Effect.Effect<void, unknown, Scope.Scope>
}

export interface RunOptions {
  readonly serversetPath: string
  readonly endpointName: string
  /** -max_registration_delay (1 min) */
  readonly maxRegistrationDelayMs: number
  /** -max_leading_duration (1 day) */
  readonly maxLeadingDurationMs: number
  /** Recovers storage and starts the cluster driver; runs in the leader's scope. */
  readonly lead: Effect.Effect<LeaderRun, unknown, Scope.Scope>
}

const describe = (e: unknown): string =>
  e instanceof Error
    ? e.message
    : typeof e === "object" && e !== null && "message" in e
      ? String(e.message)
      : String(e)

/**
 * Runs the election and the leader's term. Returns the reason the scheduler is DEAD; the caller's
 * scope closes storage, the HTTP server and the coordinator session.
 */
export const runLifecycle = (lifecycle: LifecycleHandle, options: RunOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      // A shutdown someone asked for (/quitquitquit, commitRecovery) is told apart by its prefix.
      const requested = Effect.map(lifecycle.awaitShutdown, (reason) => `requested: ${reason}`)
      yield* lifecycle.setState("STORAGE_PREPARED")
      const self = lifecycle.self()
      const candidate = yield* join(options.serversetPath, `${self.host}:${self.port}`)
      const elected = yield* Effect.raceFirst(
        candidate.awaitLeadership.pipe(
          Effect.as(undefined),
          Effect.catchAll((s) => Effect.succeed(`left the election (${s})`))
        ),
        requested
      )
      if (elected !== undefined) return elected
      yield* lifecycle.setState("LEADER_AWAITING_REGISTRATION")
      const term = Effect.gen(function* () {
        const leader = yield* options.lead
        const registered = yield* leader.registered.pipe(
          Effect.timeoutTo({
            duration: Duration.millis(options.maxRegistrationDelayMs),
            onSuccess: () => true,
            onTimeout: () => false
          })
        )
        if (!registered) return `not registered with the cluster within ${options.maxRegistrationDelayMs} ms`
        yield* leader.activate
        yield* lifecycle.setState("ACTIVE")
        yield* advertise(options.serversetPath, schedulerMember(self.host, self.port, options.endpointName))
        return yield* Effect.never
      }).pipe(
        Effect.catchAllCause((cause) => Effect.succeed(`leader failed: ${describe(Cause.squash(cause))}`))
      )
      return yield* Effect.raceAll([
        term,
        requested,
        candidate.awaitLoss.pipe(Effect.as("leadership lost")),
        Effect.sleep(Duration.millis(options.maxLeadingDurationMs)).pipe(
          Effect.as("led for -max_leading_duration; stepping down so another scheduler takes over")
        )
      ])
    })
  ).pipe(Effect.tap((reason) => Effect.logWarning(`scheduler shutting down: ${reason}`)))
