// thermos-executor entry. Keeps the executor small: V8's young generation is capped before the
// program loads (it otherwise grows to tens of MB per heap), then the program is imported.
// The launch protocol is documented in program.ts.
import { setFlagsFromString } from "node:v8"

setFlagsFromString("--max-semi-space-size=1")
await import("./program.ts")
