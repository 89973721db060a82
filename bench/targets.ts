/**
 * Target lines a script can read (issue 16):
 * `target <name>: <value> (goal <op> <number>) PASS|FAIL`.
 */

/** One target: a measured value against its goal. */
export interface Target {
  readonly name: string;
  readonly value: number;
  readonly op: ">=" | "<=";
  readonly goal: number;
  /** How the value is printed (`x` for a ratio, `MB`, `ms`). */
  readonly unit: string;
}

/** The line of one target. */
export function targetLine(t: Target): string {
  const met = t.op === ">=" ? t.value >= t.goal : t.value <= t.goal;
  const digits = t.unit === "x" ? 2 : 0;
  return `target ${t.name}: ${t.value.toFixed(digits)}${t.unit} (goal ${t.op} ${t.goal}${t.unit}) ${met ? "PASS" : "FAIL"}`;
}
