/** The local agent's task records, kept in a small JSON file so a restarted agent knows its tasks. */

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { isTerminalMesosState } from "../../../services/ClusterManager.ts"

export interface TaskResources {
  readonly cpus: number
  readonly mem: number
  readonly disk: number
  readonly gpus: number
  readonly ports: ReadonlyArray<number>
}

export interface PendingUpdate {
  readonly uuid: string
  readonly state: string
  readonly message?: string
  readonly reason?: string
  readonly source: string
  /** Epoch ms. */
  readonly timestamp: number
}

export interface TaskRecord {
  readonly taskId: string
  readonly frameworkId: string
  readonly executorId: string
  readonly runDir: string
  readonly resources: TaskResources
  pid?: number
  state: string
  message?: string
  reason?: string
  timestamp: number
  /** Bytes of the executor's stdout (its JSON-line updates) already consumed. */
  consumed: number
  /** Updates not yet acknowledged by the framework, oldest first. */
  pending: Array<PendingUpdate>
}

export interface AgentState {
  agentId: string
  frameworkId?: string
  tasks: Array<TaskRecord>
}

const FILE = "agent-state.json"

export const loadState = (workDir: string): AgentState | undefined => {
  const path = join(workDir, FILE)
  if (!existsSync(path)) return undefined
  try {
    return JSON.parse(readFileSync(path, "utf8")) as AgentState
  } catch {
    return undefined
  }
}

/** Written aside and renamed so a crash never leaves half a file. */
export const saveState = (workDir: string, state: AgentState): void => {
  const path = join(workDir, FILE)
  writeFileSync(`${path}.tmp`, JSON.stringify(state))
  renameSync(`${path}.tmp`, path)
}

export const isLive = (t: TaskRecord): boolean => !isTerminalMesosState(t.state)
