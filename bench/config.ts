// npm run bench -- config: load, bind and convert a 300-line configuration with 20 jobs (target < 20 ms
// per load in-process) and time `aurora job inspect` end to end (target < 400 ms wall).

import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Either from "effect/Either"
import {
  type ConfigHost,
  clusterKeyToString,
  listJobs,
  loadAllJobs,
  toJobConfiguration
} from "../src/domain/config/index.ts"
import { printResult } from "./_result.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

const header = `
import getpass
import os

class Profile(Struct):
  package = Required(String)
  version = Default(String, 'live')
  jvm = Default(String, '/usr/lib/jvm/bin/java')
  heap_mb = Default(Integer, 1024)
  upstream = Default(String, '/service/{{package}}/{{version}}')
  flags = Default(String, '')

def java_process(name, main_class, extra = ''):
  return Process(
    name = name,
    cmdline = '{{profile.jvm}} -Xmx{{profile.heap_mb}}m {{profile.flags}} -cp {{profile.package}}.jar '
              + main_class + ' --port={{thermos.ports[http]}} --upstream={{profile.upstream}} ' + extra)

fetch = Process(
  name = 'fetch',
  cmdline = 'curl -sO https://packages.example.com/{{profile.package}}/{{profile.version}}/{{profile.package}}.jar')

health = HealthCheckConfig(initial_interval_secs = 20, interval_secs = 5, max_consecutive_failures = 3)
UPDATE = UpdateConfig(batch_size = 2, watch_secs = 30, max_total_failures = 1)
ENVS = ['prod', 'staging', 'devel', 'test']
owner = getpass.getuser()
region = os.getenv('BENCH_REGION', 'west')

def make_task(name, main_class, cpu, ram_mb, sidecars = 0):
  procs = [fetch, java_process(name, main_class)] + [
    Process(name = 'sidecar%d' % i, cmdline = 'sidecar --id=%d --instance={{mesos.instance}}' % i, daemon = True)
    for i in range(sidecars)]
  return Task(
    name = name,
    processes = procs,
    constraints = order(fetch, name),
    resources = Resources(cpu = cpu, ram = ram_mb * MB, disk = 2 * GB))

jobs = []
`
const block = (
  i: number
) => `profile_${i} = Profile(package = 'svc${i}', heap_mb = ${512 + i * 64}, flags = '-Dshard=${i} -Dregion=%s' % region)
task_${i} = make_task('svc${i}', 'com.example.Main${i}', ${1 + (i % 4)}.0, ${1024 + i * 128}, sidecars = ${i % 3})
job_${i} = Service(
  cluster = region,
  role = 'team{{profile.package}}'[:4] + '${i % 5}',
  environment = ENVS[${i} % len(ENVS)],
  name = 'svc${i}',
  instances = ${2 + (i % 7)},
  task = task_${i},
  update_config = UPDATE, health_check_config = health,
  announce = Announcer(primary_port = 'http'),
  constraints = {'rack': 'limit:1', 'host': '!bad${i}'}, contact = '%s@example.com' % owner)
jobs.append(job_${i}.bind(profile = profile_${i}))
`
const config = header + Array.from({ length: 20 }, (_, i) => block(i)).join("")
const lines = config.split("\n").length

const dir = mkdtempSync(join(tmpdir(), "aurora-bench-config-"))
const file = join(dir, "bench.aurora")
writeFileSync(file, config)

const host: ConfigHost = {
  env: { BENCH_REGION: "west" },
  user: "bench",
  now: Date.now(),
  cwd: dir,
  readFile: () => undefined,
  digest: (a, t) => createHash(a).update(t).digest("hex")
}
const source = { text: config, file, json: false }

/** One load: evaluate the file once, bind, check and convert all 20 jobs. */
const loadAll = (): number => {
  const all = loadAllJobs(source, [["release", "1"]], host)
  if (Either.isLeft(all)) throw new Error(all.left.message)
  for (const loaded of all.right) {
    const conf = toJobConfiguration(loaded.job, "bench")
    if (Either.isLeft(conf)) throw new Error(conf.left.message)
  }
  return all.right.length
}

const jobsConverted = loadAll()
for (let i = 0; i < 10; i++) loadAll()
// Wall time per load (median, and the minimum as the least-disturbed sample on a shared machine) and
// this process's CPU time (which includes the garbage collector's helper threads).
const time = (f: () => unknown, n: number) => {
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    f()
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return { wall: median(wall), minWall: Math.min(...wall), cpu: median(cpu) }
}
const measured = time(loadAll, 60)
const perLoad = measured.wall

// `aurora job inspect` wall time as users run it (bin/aurora.mjs, bundle already built), median of 5 runs.
const keys = listJobs(source, [], host)
const key = Either.isRight(keys) ? clusterKeyToString(keys.right[7]) : ""
const inspect = () =>
  spawnSync(process.execPath, [join(root, "bin", "aurora.mjs"), "job", "inspect", key, file], {
    encoding: "utf8",
    env: { ...process.env, BENCH_REGION: "west" }
  })
inspect() // builds the bundle if a source changed since the last run
const walls: number[] = []
for (let i = 0; i < 5; i++) {
  const t0 = performance.now()
  const r = inspect()
  walls.push(performance.now() - t0)
  if (r.status !== 0) throw new Error(`aurora job inspect failed (${r.status}): ${r.stderr}`)
}
walls.sort((a, b) => a - b)
const inspectWall = walls[2]

rmSync(dir, { recursive: true, force: true })

process.stdout.write(
  `config: ${lines} lines, ${jobsConverted} jobs; one load (evaluate, bind, check, convert all jobs): ` +
    `${perLoad.toFixed(2)} ms wall (median of 60; min ${measured.minWall.toFixed(2)}, CPU ${measured.cpu.toFixed(2)}); aurora job inspect wall: ${inspectWall.toFixed(0)} ms (median of 5)\n`
)
printResult(
  { bench: "config", metric: "load_ms", value: Number(perLoad.toFixed(3)), unit: "ms", baseline: 20 },
  {
    measure: "wall time per load (evaluate, bind, check, convert 20 jobs), median of 60",
    min_ms: Number(measured.minWall.toFixed(3)),
    cpu_ms: Number(measured.cpu.toFixed(3)),
    lines,
    jobs: jobsConverted,
    inspect_wall_ms: Math.round(inspectWall),
    inspect_target_ms: 400
  }
)
