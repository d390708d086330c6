import { Context, Effect, Layer, Schema } from "effect"

/**
 * The slice of a ZooKeeper-like coordinator the Thermos announcer needs: create an ephemeral
 * sequential node (parents created) holding data, and delete it. The embedded and ZooKeeper layers
 * live with the coordinator work; this file holds the interface and an in-memory layer.
 */
export class CoordinatorError extends Schema.TaggedError<CoordinatorError>()("CoordinatorError", {
  message: Schema.String
}) {}

export interface CoordinatorShape {
  /** Creates `<prefix><10-digit sequence>` (e.g. prefix `/aurora/r/e/j/member_`); returns its path. */
  readonly createEphemeralSequential: (
    prefix: string,
    data: string
  ) => Effect.Effect<string, CoordinatorError>
  readonly remove: (path: string) => Effect.Effect<void, CoordinatorError>
}

export class Coordinator extends Context.Tag("Coordinator")<Coordinator, CoordinatorShape>() {}

/** In-memory coordinator: nodes live in a Map (visible to tests); sequence numbers per parent. */
export const makeMemoryCoordinator = () => {
  const nodes = new Map<string, string>()
  const seqs = new Map<string, number>()
  const shape: CoordinatorShape = {
    createEphemeralSequential: (prefix, data) =>
      Effect.sync(() => {
        const parent = prefix.slice(0, prefix.lastIndexOf("/"))
        const n = seqs.get(parent) ?? 0
        seqs.set(parent, n + 1)
        const path = `${prefix}${String(n).padStart(10, "0")}`
        nodes.set(path, data)
        return path
      }),
    remove: (path) =>
      Effect.sync(() => {
        nodes.delete(path)
      })
  }
  return { shape, nodes }
}

export const CoordinatorMemory = Layer.sync(Coordinator, () => makeMemoryCoordinator().shape)
