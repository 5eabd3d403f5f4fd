/**
 * Replay requests against the legacy RPC and the candidate service and report every
 * difference. See docs/parity.md.
 *
 * Exit status: 0 when the requests that differ are at most --max-diff, 1 when there are
 * more, 2 when the run could not be done (bad option, unreadable file, unreachable server).
 */
import { z } from "zod";
import { repositoryPath } from "../../src/project-files.js";
import { ParityError } from "../parity/errors.js";
import { formatSummary, writeReport } from "../parity/report.js";
import { PARITY_DEFAULTS, runParity } from "../parity/run.js";
import type { Progress } from "../parity/run.js";
import { parseCommandLine, runCommand, UsageError } from "./args.js";

/** The reviewed answers where the service differs from the recorded PHP on purpose. */
const PROJECT_DEVIATIONS = repositoryPath("fixtures", "legacy-deviations.json");

const USAGE = `usage: npm run parity -- --candidate <url> --requests <file> [options]

  --requests <file>     request paths (one per line), a JSONL corpus, or an nginx
                        access log in combined format; the format is detected
  --candidate <url>     the service under test, e.g. http://127.0.0.1:8080
  --legacy <url>        the legacy PHP server; without it, a JSONL corpus's
                        recorded answers are expected
  --mode strict|json    compare bodies byte for byte, or as parsed JSON (default ${PARITY_DEFAULTS.mode})
  --headers a,b,...     headers to compare (default ${PARITY_DEFAULTS.headers.join(",")})
  --prefix <path>       access logs: replay targets starting with this (default ${PARITY_DEFAULTS.prefix})
  --concurrency <n>     requests in flight at once (default ${PARITY_DEFAULTS.concurrency})
  --timeout <ms>        time allowed for each answer (default ${PARITY_DEFAULTS.timeoutMs})
  --rate <n>            at most n requests per second
  --deviations <file>   reviewed deviations from the expected answers (JSON or JSONL);
                        default fixtures/legacy-deviations.json, \`none\` for none
  --report <file>       write every difference to this JSON file
  --max-diff <n>        exit 1 only when more than n requests differ (default 0)
  --help                show this text`;

const wholeNumber = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `--${name} must be at least ${min}`);

const CliOptions = z.object({
  candidate: z.string({ error: "--candidate is required" }),
  requests: z.string({ error: "--requests is required" }),
  legacy: z.string().optional(),
  mode: z.enum(["strict", "json"], { error: "--mode must be strict or json" }).optional(),
  headers: z
    .string()
    .transform((list) => list.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== ""))
    .optional(),
  prefix: z.string().startsWith("/", "--prefix must start with /").optional(),
  concurrency: wholeNumber("concurrency", 1).optional(),
  timeout: wholeNumber("timeout", 1).optional(),
  rate: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "--rate must be a number of requests per second")
    .transform(Number)
    .refine((n) => n > 0, "--rate must be above 0")
    .optional(),
  deviations: z.string().optional(),
  report: z.string().optional(),
  "max-diff": wholeNumber("max-diff", 0).default(0),
});

function parseOptions(argv: string[]) {
  const stringOptions = Object.fromEntries(
    Object.keys(CliOptions.shape).map((name) => [name, { type: "string" as const }]),
  );
  const { values } = parseCommandLine(argv, USAGE, stringOptions);
  const parsed = CliOptions.safeParse(values);
  if (!parsed.success) throw new UsageError(`${parsed.error.issues[0]?.message ?? "bad options"} (see --help)`);
  return parsed.data;
}

/** A one-line counter on the terminal; redirected output gets none of it. */
function terminalProgress(): { update: (progress: Progress) => void; clear: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  let lastDrawn = 0;
  return {
    update({ done, total, differing }) {
      const now = performance.now();
      // Redrawing on every answer would cost more than the requests on a fast local server.
      if (now - lastDrawn < 100 && done < total) return;
      lastDrawn = now;
      process.stderr.write(`\r${done}/${total} requests, ${differing} differing`);
    },
    clear() {
      process.stderr.write("\r\x1b[K");
    },
  };
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const deviations = options.deviations ?? PROJECT_DEVIATIONS;
  const progress = terminalProgress();
  const result = await runParity({
    requestsFile: options.requests,
    legacy: options.legacy,
    candidate: options.candidate,
    mode: options.mode,
    headers: options.headers,
    prefix: options.prefix,
    concurrency: options.concurrency,
    timeoutMs: options.timeout,
    rate: options.rate,
    deviationsFile: deviations === "none" ? undefined : deviations,
    onProgress: progress?.update,
  }).finally(() => progress?.clear());

  process.stdout.write(formatSummary(result));
  if (options.report) {
    await writeReport(options.report, result);
    console.log(`\nReport: ${options.report}`);
  }
  const maxDiff = options["max-diff"];
  const failed = result.differingRequests > maxDiff;
  console.log(
    `\n${failed ? "FAIL" : "OK"}: ${result.differingRequests} requests differ (--max-diff ${maxDiff}).`,
  );
  return failed ? 1 : 0;
}

runCommand("parity", () => main(process.argv.slice(2)), (error) => error instanceof ParityError);
