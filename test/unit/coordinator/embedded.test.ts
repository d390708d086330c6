import { Effect } from "effect"
import { EmbeddedTree, makeSession } from "../../../src/layers/coordinator/embedded.ts"
import { coordinatorContract } from "./contract.ts"

const tree = new EmbeddedTree("contract")
coordinatorContract("embedded", () => ({
  open: () => Effect.map(makeSession(tree), (s) => s.service)
}))
