/**
 * `enoki dead-letters`: list, show, replay and purge the messages that failed for good in a
 * handler queue (`<queue>.dead-letter`). Output for people by default, `--json` for scripts;
 * the exit code says what happened.
 */
import { type DeadLetter, type DeadLetterSummary, DeadLetters } from "../messaging/dead-letters.js";
import { transportFromConfig } from "../runtime/create-transport.js";
import { ConnectionLost } from "../transport/errors.js";
import type { Transport } from "../transport/transport.js";
import { within } from "../util/within.js";
import { CliError } from "./cli-error.js";
import { cliLogger } from "./cli-logger.js";
import type { Command } from "./command.js";
import { type CommonFlags, parseCommand } from "./parse-command.js";
import { resolveConfig } from "./resolve-config.js";

const HELP = `Usage: enoki dead-letters <action> QUEUE... [options]

Messages whose handler failed for the last time wait in the dead-letter queue of their
handler queue, <queue>.dead-letter, with the error, the runs they had and where they were
first published. QUEUE is the handler queue (evt-orders-created--billing.on_created, or a
@consume queue) or its dead-letter queue.

Actions:
  list QUEUE...           for each queue: how many dead letters, and the last one's error
  show QUEUE [N]          the first N dead letters (default 10): error, runs, routing, body
  replay QUEUE [-n N | --all]
                          publish the first N (default 1) dead letters back to the queue they
                          failed in, runs counted from zero; each is removed once the broker
                          has the copy
  purge QUEUE             delete every dead letter of the queue

Options:
  --json          print JSON (one document) instead of text
  -n, --count N   replay: how many
  --all           replay: all of them
  --config FILE   YAML config, as for enoki run
  --broker URI    the broker (else AMQP_URI from the environment, else from the config)
  -h, --help      show this help

Exit codes: 0 done; 1 the broker failed or refused; 2 usage error; 3 nothing found
(no dead letters in the queues listed or shown, nothing to replay or purge).

Example:
  enoki dead-letters list evt-orders-created--billing.on_created
  enoki dead-letters replay evt-orders-created--billing.on_created --all --json
`;

/** Exit code: nothing to list, show, replay or purge. */
export const NOTHING_FOUND = 3;
const CONNECT_TIMEOUT_MS = 15_000;
const ACTIONS = ["list", "show", "replay", "purge"] as const;
type Action = (typeof ACTIONS)[number];

/** `enoki dead-letters`. */
export const deadLettersCommand: Command = {
  help: HELP,
  async run(args) {
    const { flags, positionals } = parseCommand(
      "dead-letters",
      args,
      ["config", "broker", "json", "all", "count"],
      true,
    );
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const [action, ...queues] = positionals;
    if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) {
      throw new CliError(
        `${action === undefined ? "an action is needed" : `unknown action ${action}`}: ${ACTIONS.join(", ")} (see enoki dead-letters --help)`,
      );
    }
    const request = checkedRequest(action as Action, queues, flags);
    const config = await resolveConfig(flags);
    const logger = cliLogger(config, "warn");
    const transport = transportFromConfig(config, { logger, connectionName: "enoki dead-letters" });
    try {
      await within(
        transport.ready(),
        CONNECT_TIMEOUT_MS,
        () => new ConnectionLost(`could not connect to ${transport.description} within 15 s`),
      );
      return await perform(transport, request, flags.json === true);
    } catch (err) {
      if (err instanceof CliError) throw err;
      process.stderr.write(`enoki dead-letters: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await transport.close();
    }
  },
};

interface Request {
  readonly action: Action;
  readonly queues: readonly string[];
  /** show: how many; replay: how many (Infinity for --all). */
  readonly limit: number;
}

function checkedRequest(action: Action, queues: readonly string[], flags: CommonFlags): Request {
  const usage = (problem: string) => new CliError(`${problem} (see enoki dead-letters --help)`);
  if (queues.length === 0) throw usage(`${action} needs a queue`);
  if ((flags.all || flags.count !== undefined) && action !== "replay") {
    throw usage("-n and --all are for replay");
  }
  if (action === "list") return { action, queues, limit: 0 };
  if (action === "show") {
    if (queues.length > 2) throw usage("show takes a queue and a count");
    return { action, queues: [queues[0]!], limit: queues[1] === undefined ? 10 : count(queues[1], usage) };
  }
  if (queues.length > 1) throw usage(`${action} takes one queue`);
  if (action === "purge") return { action, queues, limit: 0 };
  if (flags.all && flags.count !== undefined) throw usage("give -n or --all, not both");
  return { action, queues, limit: flags.all ? Number.POSITIVE_INFINITY : count(flags.count ?? "1", usage) };
}

function count(text: string, usage: (problem: string) => CliError): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw usage(`not a count: ${text}`);
  return Number(text);
}

async function perform(transport: Transport, request: Request, json: boolean): Promise<number> {
  const out = (value: unknown, text: string) =>
    process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  const letters = request.queues.map((queue) => new DeadLetters(transport, queue));
  switch (request.action) {
    case "list": {
      const summaries: DeadLetterSummary[] = [];
      for (const queue of letters) summaries.push(await queue.summary());
      out(summaries.map(summaryJson), summaries.map(summaryText).join(""));
      return summaries.some((s) => s.count > 0) ? 0 : NOTHING_FOUND;
    }
    case "show": {
      const shown = await letters[0]!.peek(request.limit);
      out(shown.map(letterJson), shown.map(letterText).join("\n"));
      if (shown.length === 0 && !json)
        process.stderr.write(`no dead letters in ${letters[0]!.deadLetterQueue}\n`);
      return shown.length > 0 ? 0 : NOTHING_FOUND;
    }
    case "replay": {
      const replayed = await letters[0]!.replay(request.limit);
      const left = (await letters[0]!.summary()).count;
      out(
        { queue: letters[0]!.queue, replayed, remaining: left },
        `replayed ${replayed} dead letter(s) to ${letters[0]!.queue}; ${left} left\n`,
      );
      return replayed > 0 ? 0 : NOTHING_FOUND;
    }
    case "purge": {
      const purged = await letters[0]!.purge();
      out({ queue: letters[0]!.queue, purged }, `purged ${purged} dead letter(s) of ${letters[0]!.queue}\n`);
      return purged > 0 ? 0 : NOTHING_FOUND;
    }
  }
}

function summaryJson(summary: DeadLetterSummary): unknown {
  const { queue, deadLetterQueue, exists, count, last } = summary;
  return {
    queue,
    deadLetterQueue,
    exists,
    count,
    lastError:
      last === undefined
        ? null
        : { ...errorSummary(last), attempts: last.attempts, deadLetteredAt: last.deadLetteredAt },
  };
}

function summaryText(summary: DeadLetterSummary): string {
  const { queue, count, last, exists } = summary;
  if (!exists) return `${queue}: 0 (no dead-letter queue)\n`;
  if (last === undefined) return `${queue}: ${count}\n`;
  const { type, message } = errorSummary(last);
  return `${queue}: ${count}; last: ${type}: ${message} (after ${last.attempts} run(s), ${last.deadLetteredAt})\n`;
}

function errorSummary(letter: DeadLetter): { type: string; message: string } {
  return { type: letter.error.type, message: letter.error.message };
}

function letterJson(letter: DeadLetter): unknown {
  return {
    queue: letter.queue,
    exchange: letter.exchange,
    routingKey: letter.routingKey,
    attempts: letter.attempts,
    deadLetteredAt: letter.deadLetteredAt,
    error: letter.error,
    contentType: letter.contentType ?? null,
    headers: jsonHeaders(letter.headers),
    body: bodyText(letter),
  };
}

function letterText(letter: DeadLetter): string {
  return [
    `queue:       ${letter.queue}`,
    `published:   exchange ${JSON.stringify(letter.exchange)}, routing key ${JSON.stringify(letter.routingKey)}`,
    `runs:        ${letter.attempts}`,
    `dead since:  ${letter.deadLetteredAt}`,
    `error:       ${letter.error.type}: ${letter.error.message}`,
    `body:        ${bodyText(letter)}`,
    `stack:\n${letter.error.stack.replace(/^/gm, "  ")}`,
    "",
  ].join("\n");
}

// UTF-8 text as it is; anything else as base64, said so.
function bodyText(letter: DeadLetter): string {
  const text = letter.body.toString("utf8");
  return Buffer.from(text, "utf8").equals(letter.body) ? text : `base64:${letter.body.toString("base64")}`;
}

function jsonHeaders(headers: Readonly<Record<string, unknown>>): unknown {
  return JSON.parse(
    JSON.stringify(headers, (_key, value: unknown) =>
      typeof value === "bigint"
        ? value.toString()
        : Buffer.isBuffer(value)
          ? value.toString("base64")
          : value,
    ),
  );
}
