// Backup files (api-storage-security.md §2.7): a full snapshot as JSON, named
// scheduler-backup-yyyy-MM-dd-HH-mm (UTC), written as temp_<name> then renamed; the oldest beyond
// the retention count are deleted after each save.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Snapshot } from "../../domain/storage/index.ts"

export const BACKUP_PREFIX = "scheduler-backup-"

const two = (n: number) => String(n).padStart(2, "0")
export const backupName = (now: number): string => {
  const d = new Date(now)
  return `${BACKUP_PREFIX}${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}-${two(d.getUTCMinutes())}`
}

export const listBackups = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(BACKUP_PREFIX))
        .sort()
    : []

/** Writes the backup and applies retention; returns the file name. Throws on I/O failure (callers wrap). */
export const writeBackup = (dir: string, snapshot: Snapshot, now: number, maxSaved: number): string => {
  mkdirSync(dir, { recursive: true })
  const name = backupName(now)
  const temp = join(dir, `temp_${name}`)
  try {
    writeFileSync(temp, JSON.stringify(snapshot))
    renameSync(temp, join(dir, name))
  } catch (e) {
    rmSync(temp, { force: true })
    throw e
  }
  const all = listBackups(dir)
  for (const old of all.slice(0, Math.max(0, all.length - maxSaved))) rmSync(join(dir, old), { force: true })
  return name
}

export const readBackup = (dir: string, name: string): { snapshot: Snapshot } | { error: string } => {
  const path = join(dir, name)
  if (name.includes("/") || !existsSync(path)) return { error: `Backup ${path} does not exist.` }
  try {
    const snapshot = JSON.parse(readFileSync(path, "utf8")) as Snapshot
    if (!snapshot || !Array.isArray(snapshot.tasks))
      return { error: `Backup ${path} is not a scheduler backup.` }
    return { snapshot }
  } catch (e) {
    return { error: `Backup ${path} cannot be read: ${(e as Error).message}` }
  }
}
