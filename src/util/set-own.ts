/**
 * Writing keys that come from the wire. Plain assignment of a `__proto__` key would replace the
 * object's prototype (prototype pollution); defining the property keeps it a plain key. Only that
 * one key takes the slow path.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
