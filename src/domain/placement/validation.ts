import { Either } from "effect"
import {
  DEDICATED_ATTRIBUTE,
  isGoodIdentifier,
  type JobConfiguration,
  type JobKey,
  jobKeyToString,
  type ResourceType,
  resourceType,
  type TaskConfig
} from "../model/index.ts"
import { withLegacyConstraints } from "./constraints.ts"
import { RESOURCE_INFO, THERMOS_EXECUTOR } from "./resources.ts"
import { DEFAULT_TIER_CONFIG, resolveTier, type TierConfig } from "./tiers.ts"

export interface ValidationSettings {
  readonly allowedJobEnvironments: string
  readonly tiers: TierConfig
  readonly executors: ReadonlySet<string>
  readonly allowedContainerTypes: ReadonlyArray<"MESOS" | "DOCKER">
  readonly allowDockerParameters: boolean
  readonly defaultDockerParameters: ReadonlyArray<{ readonly name: string; readonly value: string }>
  readonly requireDockerUseExecutor: boolean
  readonly allowGpuResource: boolean
  readonly enableMesosFetcher: boolean
  readonly allowContainerVolumes: boolean
  readonly minRequiredInstancesForSlaCheck: number
  readonly maxSlaDurationSecs: number
  readonly slaAwareKillNonProd: boolean
  readonly enableLegacyConstraints: boolean
}

export const DEFAULT_VALIDATION: ValidationSettings = {
  allowedJobEnvironments: "^(prod|devel|test|staging\\d*)$",
  tiers: DEFAULT_TIER_CONFIG,
  executors: new Set([THERMOS_EXECUTOR]),
  allowedContainerTypes: ["MESOS"],
  allowDockerParameters: false,
  defaultDockerParameters: [],
  requireDockerUseExecutor: true,
  allowGpuResource: false,
  enableMesosFetcher: false,
  allowContainerVolumes: false,
  minRequiredInstancesForSlaCheck: 20,
  maxSlaDurationSecs: 7200,
  slaAwareKillNonProd: false,
  enableLegacyConstraints: true
}

const jobKeyValid = (k: JobKey): boolean =>
  isGoodIdentifier(k.role) && isGoodIdentifier(k.environment) && isGoodIdentifier(k.name)

/** Java's `%f`: six decimals. */
const f6 = (n: number): string => n.toFixed(6)

const fail = (m: string) => Either.left(m)

/** Task-level validation (§6, steps 1-12): returns the populated config or Aurora's message. */
export const validateTaskConfig = (
  task: TaskConfig,
  instanceCount: number,
  s: ValidationSettings = DEFAULT_VALIDATION
): Either.Either<TaskConfig, string> => {
  if (task.tier !== undefined && !isGoodIdentifier(task.tier)) {
    return fail(`Tier contains illegal characters: ${task.tier}`)
  }
  const tier = resolveTier(task.tier, s.tiers)
  if (Either.isLeft(tier)) return fail(tier.left)
  const { name: tierName, production } = tier.right
  if (!jobKeyValid(task.job)) return fail(`Job key ${jobKeyToString(task.job)} is invalid.`)

  const docker = "docker" in task.container ? task.container.docker : undefined
  if (task.executorConfig === undefined && docker === undefined) return fail("Configuration may not be null.")
  if (task.executorConfig !== undefined) {
    if (task.executorConfig.name.length === 0) return fail("Executor name may not be left unset.")
    if (!s.executors.has(task.executorConfig.name)) {
      return fail(`Configuration for executor '${task.executorConfig.name}' doesn't exist.`)
    }
  }

  for (const c of task.constraints) {
    if (c.name !== DEDICATED_ATTRIBUTE) continue
    if (!("value" in c.constraint)) return fail("A dedicated constraint must be of value type.")
    const values = c.constraint.value.values
    if (values.length !== 1) return fail("A dedicated constraint must have exactly one value")
    const owner = values[0].split("/")[0]
    if (owner !== "*" && owner !== task.job.role) {
      return fail(`Only ${task.job.role} may use hosts dedicated for that role.`)
    }
  }

  let container = task.container
  if (docker !== undefined) {
    if (docker.image.length === 0) return fail("A container must specify an image.")
    if (docker.parameters.length === 0) {
      container = { docker: { ...docker, parameters: s.defaultDockerParameters } }
    } else if (!s.allowDockerParameters) {
      return fail("This scheduler is configured to disallow Docker parameters.")
    }
    if (s.requireDockerUseExecutor && task.executorConfig === undefined) {
      return fail("This scheduler is configured to require an executor for Docker-based tasks.")
    }
  }
  const containerType = docker !== undefined ? "DOCKER" : "MESOS"
  if (!s.allowedContainerTypes.includes(containerType)) {
    return fail(`This scheduler is not configured to allow the container type ${containerType}`)
  }

  const counts = new Map<ResourceType, number>()
  for (const r of task.resources) counts.set(resourceType(r), (counts.get(resourceType(r)) ?? 0) + 1)
  const repeated = [...counts]
    .filter(([t, n]) => t !== "PORTS" && n > 1)
    .map(([t]) => RESOURCE_INFO[t].auroraName)
    .sort()
  if (repeated.length > 0)
    return fail(`Multiple resource values are not supported for ${repeated.join(", ")}`)

  let cpus = 0
  let ram = 0
  let disk = 0
  for (const r of task.resources) {
    if ("numCpus" in r) cpus += r.numCpus
    else if ("ramMb" in r) ram += r.ramMb
    else if ("diskMb" in r) disk += r.diskMb
  }
  if (!(cpus > 0)) return fail("num_cpus must be greater than 0.0")
  if (!(ram > 0)) return fail("ram_mb must be greater than 0.0")
  if (!(disk > 0)) return fail("disk_mb must be greater than 0.0")
  if (counts.has("GPUS") && !s.allowGpuResource) {
    return fail("GPU resource support is disabled in this cluster.")
  }
  if ((task.mesosFetcherUris?.length ?? 0) > 0 && !s.enableMesosFetcher) {
    return fail("Mesos Fetcher for individual jobs is disabled in this cluster.")
  }
  if ("mesos" in container && container.mesos.volumes.length > 0 && !s.allowContainerVolumes) {
    return fail("This scheduler is configured to disallow container volumes.")
  }

  const sla = task.slaPolicy
  if (sla !== undefined) {
    if (!production && !s.slaAwareKillNonProd) return fail(`Tier '${tierName}' does not support SlaPolicy.`)
    const min = s.minRequiredInstancesForSlaCheck
    if ("countSlaPolicy" in sla) {
      const { count, durationSecs } = sla.countSlaPolicy
      if (instanceCount < min)
        return fail(`Job with fewer than ${min} instances cannot have Count SlaPolicy.`)
      if (instanceCount - count < 1) {
        return fail(
          `Current CountSlaPolicy: count=${count} will not allow any instances to be killed. Must be less than instanceCount=${instanceCount}.`
        )
      }
      if (durationSecs > s.maxSlaDurationSecs) {
        return fail(
          `CountSlaPolicy: durationSecs=${durationSecs} must be less than cluster-wide maximum of ${s.maxSlaDurationSecs} secs.`
        )
      }
    } else if ("percentageSlaPolicy" in sla) {
      const { percentage, durationSecs } = sla.percentageSlaPolicy
      if (instanceCount < min) {
        return fail(`Job with fewer than ${min} instances cannot have Percentage SlaPolicy.`)
      }
      if (instanceCount - (instanceCount * percentage) / 100 < 1) {
        return fail(
          `Current PercentageSlaPolicy: percentage=${f6(percentage)} will not allow any instances to be killed. Must be less than ${f6(((instanceCount - 1) / instanceCount) * 100)}.`
        )
      }
      if (durationSecs > s.maxSlaDurationSecs) {
        return fail(
          `PercentageSlaPolicy: durationSecs=${durationSecs} must be less than cluster-wide maximum of ${s.maxSlaDurationSecs} secs.`
        )
      }
    }
  }

  let taskLinks = task.taskLinks
  if (taskLinks === undefined || Object.keys(taskLinks).length === 0) {
    const ports = new Set(task.resources.flatMap((r) => ("namedPort" in r ? [r.namedPort] : [])))
    const links: Record<string, string> = {}
    if (ports.has("health")) links.health = "http://%host%:%port:health%"
    if (ports.has("http")) links.http = "http://%host%:%port:http%"
    taskLinks = Object.keys(links).length > 0 ? links : task.taskLinks
  }

  let populated: TaskConfig = { ...task, tier: tierName, production, container }
  if (taskLinks !== undefined) populated = { ...populated, taskLinks }
  if (s.enableLegacyConstraints) populated = withLegacyConstraints(populated, production)
  return Either.right(populated)
}

export type JobConfigurationInput = Omit<JobConfiguration, "taskConfig"> & {
  readonly taskConfig?: TaskConfig
}

/** Job-level validation in Aurora's order, then the task's; returns the populated job or the message. */
export const validateJobConfiguration = (
  job: JobConfigurationInput,
  s: ValidationSettings = DEFAULT_VALIDATION
): Either.Either<JobConfiguration, string> => {
  if (job.taskConfig === undefined) return fail("Job configuration must have taskConfig set.")
  if (!(job.instanceCount > 0)) return fail("Instance count must be positive.")
  if (!jobKeyValid(job.key)) return fail(`Job key ${jobKeyToString(job.key)} is invalid.`)
  if (!new RegExp(`^(?:${s.allowedJobEnvironments})$`).test(job.key.environment)) {
    return fail(`Job environment ${job.key.environment} doesn't match: ${s.allowedJobEnvironments}`)
  }
  if (!isGoodIdentifier(job.owner.user))
    return fail(`Job user contains illegal characters: ${job.owner.user}`)
  const task = validateTaskConfig(job.taskConfig, job.instanceCount, s)
  if (Either.isLeft(task)) return fail(task.left)
  if (job.cronSchedule !== undefined && job.cronSchedule.trim().length > 0 && task.right.isService) {
    return fail(`A service task may not be run on a cron schedule: ${jobKeyToString(job.key)}`)
  }
  return Either.right({ ...job, taskConfig: task.right })
}

/** Thrift-layer checks of createJob (§6 extras). */
export const checkCreateJob = (
  job: JobConfiguration,
  existing: { readonly activeTasks: number; readonly cronJob: boolean }
): string | undefined => {
  if (job.cronSchedule !== undefined && job.cronSchedule.trim().length > 0) {
    return "Cron jobs may only be created/updated by calling scheduleCronJob."
  }
  if (existing.activeTasks > 0 || existing.cronJob) return `Job ${jobKeyToString(job.key)} already exists`
  return undefined
}

/** addInstances: new instance ids are (max existing id, max + count]. */
export const addInstancesPlan = (
  count: number,
  activeInstanceIds: ReadonlyArray<number>,
  copyFrom: number,
  cronJob: boolean
): Either.Either<ReadonlyArray<number>, string> => {
  if (count <= 0) return fail("Instance count must be positive.")
  if (!activeInstanceIds.includes(copyFrom)) return fail("No active task found for a given instance ID.")
  if (cronJob) return fail("Instances may not be added to cron jobs.")
  const max = Math.max(...activeInstanceIds)
  return Either.right(Array.from({ length: count }, (_, i) => max + 1 + i))
}
