export { executorData, requestedPorts, toJobConfiguration } from "./convert.ts"
export { type ConfigHost, dirname, evaluateConfig, evaluateJson, resolvePath } from "./evaluate.ts"
export { inspectLines } from "./inspect.ts"
export {
  type ClusterJobKey,
  ConfigInvalid,
  clusterKeyToString,
  DEFAULT_TIERS,
  type LoadedJob,
  type LoadRequest,
  listJobs,
  loadAllJobs,
  loadJob,
  parseBinding,
  type Source,
  type Tier,
  type TierConfig
} from "./load.ts"
export { PStruct, renderJson, toPlain } from "./pystachio/objects.ts"
