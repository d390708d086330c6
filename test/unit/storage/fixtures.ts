// Fake but schema-valid scheduler data for storage tests and benchmarks.
import { Schema } from "effect"
import {
  HostAttributes,
  JobConfiguration,
  ScheduledTask,
  type TaskConfig
} from "../../../src/domain/model/index.ts"

const decodeTask = Schema.decodeUnknownSync(ScheduledTask)
const decodeJob = Schema.decodeUnknownSync(JobConfiguration)
const decodeHost = Schema.decodeUnknownSync(HostAttributes)

export const taskConfig = (job: number): TaskConfig =>
  decodeJob({
    key: { role: "www-data", environment: "prod", name: `job${job}` },
    owner: { user: "www-data" },
    instanceCount: 10,
    taskConfig: {
      job: { role: "www-data", environment: "prod", name: `job${job}` },
      owner: { user: "www-data" },
      isService: true,
      priority: 0,
      maxTaskFailures: 1,
      tier: "preferred",
      resources: [{ numCpus: 0.5 }, { ramMb: 128 }, { diskMb: 256 }, { namedPort: "http" }],
      constraints: [{ name: "host", constraint: { limit: { limit: 1 } } }],
      executorConfig: {
        name: "AuroraExecutor",
        data: JSON.stringify({ processes: [{ cmdline: "sleep 60" }] })
      },
      metadata: [{ key: "team", value: "web" }]
    }
  }).taskConfig

export const makeTask = (i: number, config: TaskConfig = taskConfig(i % 100), status = "RUNNING") =>
  decodeTask({
    assignedTask: {
      taskId: `www-data-prod-job${i % 100}-${i}-0000-${i.toString(16).padStart(8, "0")}`,
      slaveId: `agent-${i % 50}`,
      slaveHost: `host${i % 50}.example.com`,
      task: config,
      assignedPorts: { http: 31000 + (i % 1000) },
      instanceId: i
    },
    status,
    failureCount: 0,
    timesPartitioned: 0,
    taskEvents: [
      { timestamp: 1_700_000_000_000 + i, status: "PENDING", scheduler: "scheduler1" },
      { timestamp: 1_700_000_001_000 + i, status, scheduler: "scheduler1" }
    ]
  })

export const makeCronJob = (n: number) =>
  decodeJob({
    key: { role: "batch", environment: "devel", name: `cron${n}` },
    owner: { user: "batch" },
    cronSchedule: "*/5 * * * *",
    instanceCount: 1,
    taskConfig: {
      job: { role: "batch", environment: "devel", name: `cron${n}` },
      owner: { user: "batch" },
      isService: false,
      priority: 0,
      maxTaskFailures: 1,
      resources: [{ numCpus: 1 }, { ramMb: 64 }, { diskMb: 64 }],
      constraints: []
    }
  })

export const makeHost = (n: number) =>
  decodeHost({
    host: `host${n}.example.com`,
    attributes: [
      { name: "host", values: [`host${n}.example.com`] },
      { name: "rack", values: [`r${n % 4}`] }
    ],
    mode: "NONE",
    slaveId: `agent-${n}`
  })
