/**
 * TruncatedBinaryBackoff: `next(0) = min(max, initial + round(r*initial))`,
 * `next(p) = min(max, p + round(r*p))`, with `r` uniform in [0, 1) from `random`.
 */
export const truncatedBinaryBackoff = (
  previousMs: number,
  initialMs: number,
  maxMs: number,
  random: () => number
): number => {
  const base = previousMs === 0 ? initialMs : previousMs
  return Math.min(maxMs, base + Math.round(random() * base))
}
