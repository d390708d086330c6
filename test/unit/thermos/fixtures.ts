import { Schema } from "effect"
import { type Task, Task as TaskSchema } from "../../../src/domain/thermos/config.ts"

/** Builds a decoded task from a partial JSON description (defaults filled by the Schema). */
export const task = (json: {
  processes: ReadonlyArray<Record<string, unknown>>
  constraints?: ReadonlyArray<{ order: ReadonlyArray<string> }>
  [k: string]: unknown
}): Task => Schema.decodeUnknownSync(TaskSchema)(json)
