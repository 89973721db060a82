#!/usr/bin/env node
// Writes the README's list of config keys from the one table (src/core/config-keys.ts), between
// the config-keys markers. Run through `npm run docs:config` (which builds first);
// test/unit/core/config-keys.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { configKeysMarkdown } from "../dist/cli/config-keys-doc.js";

const readme = new URL("../README.md", import.meta.url);
const text = readFileSync(readme, "utf8");
const START = "<!-- config-keys:start -->";
const END = "<!-- config-keys:end -->";
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`README.md has no ${START} ... ${END} markers`);
  process.exit(1);
}
writeFileSync(
  readme,
  `${text.slice(0, start + START.length)}\n\n${configKeysMarkdown()}\n\n${text.slice(end)}`,
);
console.log("README.md: config keys written");
