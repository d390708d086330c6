import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { loadTaskConfig } from "../../../src/programs/thermos/loader.ts"

const dir = mkdtempSync(join(tmpdir(), "thermos-loader-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe("thermos run config loading", () => {
  it("takes the tasks of an .aurora file's jobs, templated as the executor would receive them", () => {
    const path = file(
      "two.aurora",
      `
hello = Process(name = 'hello', cmdline = 'echo hello {{greeting}} on {{thermos.ports[http]}}')
task = Task(name = 'greet', processes = [hello], resources = Resources(cpu = 0.1, ram = 16*MB, disk = 16*MB))
jobs = [
  Job(cluster = 'local', role = 'me', environment = 'devel', name = 'a', task = task).bind(greeting = 'world'),
  Job(cluster = 'local', role = 'me', environment = 'devel', name = 'b', task = task(name = 'other'))
]
`
    )
    const chosen = loadTaskConfig(path, "greet")
    expect(Either.isRight(chosen) && chosen.right.processes.map((p) => p.cmdline)).toEqual([
      "echo hello world on {{thermos.ports[http]}}"
    ])
    expect(loadTaskConfig(path)).toEqual(Either.left(expect.stringContaining("several tasks (greet, other)")))
  })

  it("reports .aurora errors with the file and line, and unknown tasks by name", () => {
    const broken = file("broken.aurora", "x = (1,\n")
    const result = loadTaskConfig(broken)
    expect(Either.isLeft(result) && result.left).toContain("broken.aurora")
    const json = file("t.json", JSON.stringify({ name: "t", processes: [{ name: "p", cmdline: "true" }] }))
    expect(loadTaskConfig(json, "nope")).toEqual(Either.left(expect.stringContaining("Unknown task nope")))
  })
})
