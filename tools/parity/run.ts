import { compareAnswers, isRpcError } from "./compare.js";
import type { CompareMode, DiffClass } from "./compare.js";
import { applyDeviation, loadDeviations } from "./deviations.js";
import type { Deviation } from "./deviations.js";
import { ParityError } from "./errors.js";
import { loadRequests, showTarget } from "./requests.js";
import type { Answer, ReplayRequest, RequestFormat, SkippedLines } from "./requests.js";
import { forEachPaced } from "./schedule.js";
import { ServerClient } from "./send.js";

/** A difference class, or `no-answer` when a server gave no answer at all (timeout, reset). */
export type FindingClass = DiffClass | "no-answer";

/** Every class, in the order reports list them. */
export const FINDING_CLASSES: readonly FindingClass[] = [
  "status",
  "header",
  "body-shape",
  "value",
  "row-order",
  "encoding",
  "no-answer",
];

/**
 * The headers an RPC client or cache acts on. `pragma` is listed because the legacy answers
 * carry it only on the HTML pages, and its mere presence on a JSON answer is a difference.
 */
export const DEFAULT_HEADERS: readonly string[] = [
  "content-type",
  "cache-control",
  "expires",
  "x-frame-options",
  "etag",
  "pragma",
];

export const PARITY_DEFAULTS = {
  mode: "strict" as CompareMode,
  headers: DEFAULT_HEADERS,
  prefix: "/rpc",
  concurrency: 8,
  timeoutMs: 10_000,
};

export interface ParityOptions {
  /** A list of request paths, a JSONL corpus or a combined-format access log. */
  requestsFile: string;
  /** The legacy server's origin. Without it, a JSONL corpus's recorded answers are expected. */
  legacy?: string;
  candidate: string;
  mode?: CompareMode;
  headers?: readonly string[];
  /** Access logs only: replay requests whose target starts with this. */
  prefix?: string;
  concurrency?: number;
  timeoutMs?: number;
  /** Requests per second, counting a request sent to both servers once. */
  rate?: number;
  deviationsFile?: string;
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  done: number;
  total: number;
  differing: number;
}

/** One difference found for one request. */
export interface Finding {
  id: string;
  method: string;
  path: string;
  class: FindingClass;
  where: string;
  expected: string;
  actual: string;
}

/** What the candidate answered to a record where the legacy code died with a PHP 8 fatal error. */
export interface Php8FatalOutcome {
  id: string;
  method: string;
  path: string;
  /** Absent when the candidate gave no answer. */
  status?: number;
  contentType?: string | string[];
  body?: string;
  /** The expected kind of answer: the RPC's JSON error. */
  jsonError: boolean;
  error?: string;
}

export interface ParityResult {
  /** Where the expected answers came from: a live legacy server, or the corpus's recordings. */
  expectedSide: "legacy" | "recorded";
  legacy: string | null;
  candidate: string;
  requestsFile: string;
  format: RequestFormat;
  mode: CompareMode;
  headers: readonly string[];
  /** Requests read from the file and sent. */
  requests: number;
  /** Input lines not replayed (access logs: other methods, other prefixes, unparsable lines). */
  skipped: SkippedLines;
  /** Requests compared against an expected answer, i.e. all but the PHP 8 fatal ones. */
  compared: number;
  identical: number;
  /** Requests with at least one finding; this is what `--max-diff` limits. */
  differingRequests: number;
  /** Number of findings per class. */
  counts: Record<FindingClass, number>;
  /** Every finding, in the order of the requests file. */
  findings: Finding[];
  php8Fatal: Php8FatalOutcome[];
  deviationsApplied: number;
  /** Deviation ids that matched no request: probably stale entries. */
  unusedDeviations: string[];
  durationMs: number;
}

/** Replay every request against the servers and classify every difference. */
export async function runParity(options: ParityOptions): Promise<ParityResult> {
  const settings: Settings = {
    ...options,
    mode: options.mode ?? PARITY_DEFAULTS.mode,
    headers: options.headers ?? PARITY_DEFAULTS.headers,
    prefix: options.prefix ?? PARITY_DEFAULTS.prefix,
    concurrency: options.concurrency ?? PARITY_DEFAULTS.concurrency,
    timeoutMs: options.timeoutMs ?? PARITY_DEFAULTS.timeoutMs,
  };
  const startedAt = performance.now();
  // Constructing the clients checks the URLs, the cheapest mistakes to report.
  const candidate = new ServerClient("candidate", settings.candidate, settings.concurrency);
  const legacy = settings.legacy === undefined ? null : new ServerClient("legacy", settings.legacy, settings.concurrency);
  const servers = legacy ? [legacy, candidate] : [candidate];
  try {
    const { format, requests, skipped } = await loadRequests(settings.requestsFile, settings.prefix);
    if (!legacy && format !== "jsonl") {
      throw new ParityError("--legacy is required unless --requests is a JSONL corpus of recorded answers");
    }
    const deviations = settings.deviationsFile ? await loadDeviations(settings.deviationsFile) : new Map<string, Deviation>();
    await Promise.all(servers.map((server) => server.probe(settings.timeoutMs)));

    const outcomes: RequestOutcome[] = new Array(requests.length);
    const usedDeviations = new Set<string>();
    let done = 0;
    let differing = 0;
    await forEachPaced(requests, settings, async (request, index) => {
      const deviation = deviations.get(request.id);
      if (deviation) usedDeviations.add(request.id);
      const outcome = await replayOne(request, deviation, candidate, legacy, settings);
      outcomes[index] = outcome;
      done++;
      if ("findings" in outcome && outcome.findings.length > 0) differing++;
      settings.onProgress?.({ done, total: requests.length, differing });
    });

    const findings = outcomes.flatMap((outcome) => ("findings" in outcome ? outcome.findings : []));
    const php8Fatal = outcomes.flatMap((outcome) => ("php8Fatal" in outcome ? [outcome.php8Fatal] : []));
    const counts = Object.fromEntries(FINDING_CLASSES.map((c) => [c, 0])) as Record<FindingClass, number>;
    for (const finding of findings) counts[finding.class]++;
    const compared = requests.length - php8Fatal.length;
    return {
      expectedSide: legacy ? "legacy" : "recorded",
      legacy: legacy?.origin ?? null,
      candidate: candidate.origin,
      requestsFile: settings.requestsFile,
      format,
      mode: settings.mode,
      headers: settings.headers,
      requests: requests.length,
      skipped,
      compared,
      identical: compared - differing,
      differingRequests: differing,
      counts,
      findings,
      php8Fatal,
      deviationsApplied: usedDeviations.size,
      unusedDeviations: [...deviations.keys()].filter((id) => !usedDeviations.has(id)),
      durationMs: Math.round(performance.now() - startedAt),
    };
  } finally {
    for (const server of servers) server.close();
  }
}

type RequestOutcome = { findings: Finding[] } | { php8Fatal: Php8FatalOutcome };

/** The options with every default filled in. */
type Settings = ParityOptions & typeof PARITY_DEFAULTS;

async function replayOne(
  request: ReplayRequest,
  deviation: Deviation | undefined,
  candidate: ServerClient,
  legacy: ServerClient | null,
  settings: Settings,
): Promise<RequestOutcome> {
  const about = { id: request.id, method: request.method, path: showTarget(request.target) };
  // A reviewed deviation says what to expect, so it takes precedence over setting the record aside.
  if (request.php8Fatal && !deviation) {
    const answer = await settle(candidate.send(request, settings.timeoutMs));
    return { php8Fatal: describePhp8Outcome(about, answer) };
  }

  const [expected, actual] = await Promise.all([
    legacy ? settle(legacy.send(request, settings.timeoutMs)) : { answer: recordedAnswer(request) },
    settle(candidate.send(request, settings.timeoutMs)),
  ]);
  if ("error" in expected || "error" in actual) {
    // Each side either answered or failed; say which, so a dead server is not mistaken for a slow one.
    const side = (result: Settled) => ("error" in result ? `no answer: ${result.error}` : `${result.answer.status}`);
    return { findings: [{ ...about, class: "no-answer", where: "answer", expected: side(expected), actual: side(actual) }] };
  }
  const want = deviation ? applyDeviation(expected.answer, deviation, actual.answer) : expected.answer;
  const differences = compareAnswers(want, actual.answer, settings);
  return { findings: differences.map((difference) => ({ ...about, ...difference })) };
}

type Settled = { answer: Answer } | { error: string };

async function settle(pending: Promise<Answer>): Promise<Settled> {
  try {
    return { answer: await pending };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function recordedAnswer(request: ReplayRequest): Answer {
  // loadRequests only yields requests without a recording for formats that need --legacy.
  if (!request.recorded) throw new Error(`request ${request.id} has no recorded answer`);
  return request.recorded;
}

const PHP8_BODY_EXCERPT = 200;

function describePhp8Outcome(about: Pick<Finding, "id" | "method" | "path">, result: Settled): Php8FatalOutcome {
  if ("error" in result) return { ...about, jsonError: false, error: result.error };
  const { status, headers, body } = result.answer;
  return {
    ...about,
    status,
    contentType: headers["content-type"],
    body: body.toString("utf8").slice(0, PHP8_BODY_EXCERPT),
    jsonError: isRpcError(result.answer),
  };
}

