/** `aurora job inspect`'s pretty form (client-config.md §1.1). */
import { PList, PMap, type PObj, PSimple, type PStruct } from "./pystachio/objects.ts"

const s = (o: PObj | undefined) => o?.str() ?? ""
const isTrue = (o: PObj | undefined) => o instanceof PSimple && (o.interpolate().obj as PSimple).raw === true
const pyBool = (o: PObj | undefined) => (isTrue(o) ? "True" : "False")

export const inspectLines = (job: PStruct): string[] => {
  const out: string[] = ["Job level information"]
  out.push(`  name:       '${s(job.field("name"))}'`)
  out.push(`  role:       '${s(job.field("role"))}'`)
  if (job.has("contact")) out.push(`  contact:    '${s(job.field("contact"))}'`)
  out.push(`  cluster:    '${s(job.field("cluster"))}'`)
  out.push(`  instances:  '${s(job.field("instances"))}'`)
  if (job.has("cron_schedule")) {
    out.push("  cron:")
    out.push(`    schedule: '${s(job.field("cron_schedule"))}'`)
    out.push(`    policy:   '${s(job.field("cron_collision_policy"))}'`)
  }
  const constraints = job.field("constraints")
  if (constraints instanceof PMap) {
    out.push("  constraints:")
    for (const k of constraints.iter()) {
      const key = (k as PObj).str()
      out.push(`    '${key}': '${(constraints.getitem(key) as PObj).str()}'`)
    }
  }
  const pp = job.field("partition_policy") as PStruct | undefined
  if (pp) {
    out.push("  partition_policy:")
    out.push(`    reschedule: ${pyBool(pp.field("reschedule"))}`)
    out.push(`    delay_secs: '${s(pp.field("delay_secs"))}'`)
  }
  out.push(`  service:    ${pyBool(job.field("service"))}`)
  out.push(`  production: ${pyBool(job.field("production"))}`)
  out.push("")
  const task = job.field("task") as PStruct
  out.push("Task level information")
  out.push(`  name: '${s(task.field("name"))}'`)
  const orders = task.field("constraints")
  const items = orders instanceof PList ? orders.iter() : []
  if (items.length > 0) {
    out.push("  constraints:")
    for (const c of items) {
      const order = (c as PStruct).field("order")
      out.push(`  ${(order instanceof PList ? order.iter() : []).map((x) => (x as PObj).str()).join(" < ")}`)
    }
  }
  out.push("")
  const procs = task.field("processes")
  for (const p of procs instanceof PList ? procs.iter() : []) {
    const proc = p as PStruct
    out.push(`Process '${s(proc.field("name"))}':`)
    for (const f of ["daemon", "ephemeral", "final"]) if (isTrue(proc.field(f))) out.push(`  ${f}`)
    out.push("  cmdline:")
    for (const line of s(proc.field("cmdline")).split("\n")) out.push(`    ${line}`)
    out.push("")
  }
  return out
}
