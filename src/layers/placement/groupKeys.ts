import type { TaskConfig } from "../../domain/model/index.ts"
import { taskGroupKey } from "../../domain/placement/index.ts"

const cache = new WeakMap<TaskConfig, string>()

/** TaskGroupKey, memoised per config object (configs are immutable values). */
export const groupKeyOf = (config: TaskConfig): string => {
  let key = cache.get(config)
  if (key === undefined) {
    key = taskGroupKey(config)
    cache.set(config, key)
  }
  return key
}
