import { fileURLToPath } from "node:url"

/**
 * The absolute path of a file under src/, for code that starts other TypeScript entry points (workers,
 * child processes). This module sits one level below the project root, and so does the bundle it ends
 * up in (.build/NAME.mjs), so `../src/` resolves the same way in both.
 */
export const sourcePath = (relative: string): string =>
  fileURLToPath(new URL(`../src/${relative}`, import.meta.url))
