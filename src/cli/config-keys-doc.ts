/**
 * The config keys as documentation, from the one table (`core/config-keys.ts`): the README's key
 * list (`npm run docs:config` writes it) and `enoki show-config`'s defaults.
 */
import { CONFIG_KEYS, type ConfigKey } from "../core/config-keys.js";

const ORIGINS: Readonly<Record<ConfigKey["origin"], string>> = {
  nameko: "Nameko",
  "nameko-redis": "nameko-redis",
  enoki: "Enoki",
};

function keys(): Array<[string, ConfigKey]> {
  return Object.entries(CONFIG_KEYS as Record<string, ConfigKey>);
}

/** How a key's default reads: the value as YAML would show it, or its `defaultText`. */
export function defaultText(key: ConfigKey): string {
  if ("default" in key) return typeof key.default === "string" ? key.default : JSON.stringify(key.default);
  return key.defaultText ?? "";
}

/** The keys as a Markdown table: key, default, whose key, what it does. */
export function configKeysMarkdown(): string {
  const rows = keys().map(([name, key]) => {
    const value = defaultText(key);
    const shown = value === "" ? "" : `\`${value}\``;
    return `| \`${name}\` | ${shown} | ${ORIGINS[key.origin]} | ${key.doc.replaceAll("|", "\\|")} |`;
  });
  return ["| key | default | from | |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/**
 * The defaults of the keys a config does not set, as YAML comments (so the output still reads
 * back as the same config).
 */
export function defaultsComment(isSet: (path: readonly string[]) => boolean): string {
  const lines = keys()
    .filter(([name, key]) => defaultText(key) !== "" && !isSet(name.split(".")))
    .map(([name, key]) => `#   ${name}: ${defaultText(key)}`);
  if (lines.length === 0) return "";
  return `# Defaults of the keys not set above:\n${lines.join("\n")}\n`;
}
