#!/usr/bin/env node
import { runProgram } from "./run.mjs"

await runProgram("aurora-agent")
