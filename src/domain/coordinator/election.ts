// Lock-node ordering for leader election, as Curator's LeaderSelector (InterProcessMutex) lays it out:
// children `_c_<uuid>-lock-<10-digit seq>` of the election path; the lowest sequence leads and every
// other candidate watches the node just before its own.

import { sequenceOf } from "./paths.ts"

/** Curator's lock name; the part after it is the sequence used for sorting. */
export const LOCK_NAME = "lock-"

/** Prefix of a candidate's lock node; the uuid lets it find its node again after a lost reply. */
export const lockNodePrefix = (uuid: string): string => `_c_${uuid}-${LOCK_NAME}`

export const isLockNode = (name: string): boolean =>
  name.includes(LOCK_NAME) && sequenceOf(name) !== undefined

/** Lock nodes in election order: by sequence, then by name so equal sequences stay deterministic. */
export const sortLockNodes = (children: ReadonlyArray<string>): ReadonlyArray<string> =>
  children.filter(isLockNode).sort((a, b) => sequenceOf(a)! - sequenceOf(b)! || (a < b ? -1 : a > b ? 1 : 0))

export type ElectionPosition =
  | { readonly _tag: "Leader" }
  | { readonly _tag: "Waiting"; readonly predecessor: string; readonly ahead: number }
  | { readonly _tag: "Missing" }

/** Where `ownNode` (a child name) stands among `children`. */
export const electionPosition = (children: ReadonlyArray<string>, ownNode: string): ElectionPosition => {
  const sorted = sortLockNodes(children)
  const index = sorted.indexOf(ownNode)
  if (index < 0) return { _tag: "Missing" }
  if (index === 0) return { _tag: "Leader" }
  return { _tag: "Waiting", predecessor: sorted[index - 1], ahead: index }
}

/** The lock node a candidate created, found by its protected prefix (after a create whose reply was lost). */
export const findOwnLockNode = (children: ReadonlyArray<string>, uuid: string): string | undefined => {
  const prefix = lockNodePrefix(uuid)
  return children.find((c) => c.startsWith(prefix) && sequenceOf(c) !== undefined)
}
