/**
 * `enoki show-config`: the config after substitution, as YAML (Nameko's `nameko show-config`).
 */
import { stringifyConfig } from "../core/config-file.js";
import { valueAt } from "../core/config-keys.js";
import type { Command } from "./command.js";
import { defaultsComment } from "./config-keys-doc.js";
import { maskSecrets } from "./mask-secrets.js";
import { parseCommand } from "./parse-command.js";
import { resolveConfig } from "./resolve-config.js";

const HELP = `Usage: enoki show-config [--config FILE] [--broker URI] [--show-secrets]

Prints the config that enoki run and enoki shell would use, as YAML: the config file after
\${VAR} / \${VAR:default} substitution, with AMQP_URI replaced by --broker or by the
AMQP_URI environment variable when they are given. Then, as YAML comments, the default of
every key the config does not set. Passwords in URIs, and values of keys that name a
password, passphrase, secret or token, print as *** unless --show-secrets is given.

Options:
  --config FILE   YAML config file
  --broker URI    the broker, as for enoki run
  --show-secrets  print passwords and tokens as they are
  --no-defaults   leave out the defaults
  -h, --help      show this help

Example:
  AMQP_URI=amqp://guest:guest@rabbit enoki show-config --config config.yml
`;

/** `enoki show-config`. */
export const showConfigCommand: Command = {
  help: HELP,
  async run(args) {
    const { flags } = parseCommand("show-config", args, ["config", "broker", "show-secrets", "no-defaults"]);
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const config = await resolveConfig(flags);
    process.stdout.write(
      stringifyConfig(flags["show-secrets"] ? config : (maskSecrets(config) as typeof config)),
    );
    if (!flags["no-defaults"]) process.stdout.write(defaultsComment((path) => valueAt(config, path) != null));
    return 0;
  },
};
