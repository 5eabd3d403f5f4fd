/**
 * The command line of every tool: `--help` prints the usage and exits 0; an unknown option,
 * a missing value or a stray argument is one line naming it and exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandLine<O extends Options> {
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"];
  positionals: string[];
}

/**
 * Parses `argv`, or prints `usage` and exits 0 on `--help`. `positionals` is how many bare
 * arguments the command takes at most.
 */
export function parseCommandLine<O extends Options>(argv: string[], usage: string, options: O, positionals = 0): CommandLine<O> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  let parsed: CommandLine<O>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as CommandLine<O>;
  } catch (error) {
    // node's messages go on to explain how to pass positionals; the first sentence is the point.
    throw new UsageError(`${(error as Error).message.split(". ")[0]} (see --help)`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}' (see --help)`);
  }
  return parsed;
}

/**
 * Runs a command's main function and turns its outcome into the exit status: the number it
 * returns, or 2 with one line for a usage error or an expected failure. `expected` tells
 * which errors are expected (their message is meant for people); anything else is a bug and
 * keeps its stack trace.
 */
export function runCommand(name: string, main: () => Promise<number | void>, expected: (error: unknown) => boolean = () => true): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error: unknown) => {
      if (error instanceof UsageError || expected(error)) console.error(`${name}: ${(error as Error).message ?? String(error)}`);
      else console.error(`${name}: internal error:`, error);
      process.exitCode = 2;
    },
  );
}
