/**
 * Python-style text, so error messages read the same on both sides of the wire: what `str(exc)`
 * and `repr()` print for the values Nameko puts in `exc_args` and `value`.
 */

/** What Python's `str(exc)` prints for an exception with these args. */
export function pythonStr(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) return typeof args[0] === "string" ? args[0] : pythonRepr(args[0]);
  return pythonRepr(args, true);
}

/** Python's `repr()` of a JSON-like value; arrays print as tuples when `tuple` is set. */
export function pythonRepr(value: unknown, tuple = false): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pythonStringRepr(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => pythonRepr(v));
    if (!tuple) return `[${items.join(", ")}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`);
    return `{${entries.join(", ")}}`;
  }
  return describeValue(value);
}

function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * A short, safe description of any value for error messages, in Python's repr style for objects
 * (`<Map object at 0x1>`), so Python and TypeScript callers read the same shape.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "function") return `<function ${value.name || "<anonymous>"} at ${addressOf(value)}>`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `<${typeof name === "string" && name ? name : "object"} object at ${addressOf(value)}>`;
}

// Stable pseudo-addresses, so two mentions of one object in a log line agree.
const addresses = new WeakMap<object, string>();
let nextAddress = 0x1000;
function addressOf(value: object): string {
  let address = addresses.get(value);
  if (address === undefined) {
    address = `0x${(nextAddress++).toString(16)}`;
    addresses.set(value, address);
  }
  return address;
}
