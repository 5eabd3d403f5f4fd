import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { z } from "zod";
import { ParityError } from "./errors.js";

/** An HTTP answer as compared by the tool: header names lower-cased, a repeated header as a list. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** One request to replay, whatever file it came from. */
export interface ReplayRequest {
  /** The corpus record id, or `line-N` for the other formats (N counts from 1). */
  id: string;
  method: string;
  /**
   * The request target exactly as it goes on the wire. Kept as bytes because an access log
   * can hold targets that are not valid UTF-8, and re-encoding them would hide the very
   * differences the tool looks for.
   */
  target: Buffer;
  /** Request headers to send, besides Host and Content-Length which the client sets. */
  headers: Record<string, string>;
  body: Buffer | null;
  /** The answer the corpus recorded from the legacy server. */
  recorded?: Answer;
  /** The legacy server died with a PHP 8 fatal error here, so `recorded` is not a legacy answer. */
  php8Fatal?: boolean;
}

export type RequestFormat = "paths" | "jsonl" | "access-log";

/** Input lines that were read but deliberately not replayed (access logs only). */
export interface SkippedLines {
  /** Methods other than GET and HEAD: replaying a POST from a log would lack its body. */
  method: number;
  /** Targets outside the prefix being checked. */
  prefix: number;
  /** Lines that are not a combined-format entry with a request line, e.g. nginx's `"-"` for a bad request. */
  unparsed: number;
}

export interface LoadedRequests {
  format: RequestFormat;
  requests: ReplayRequest[];
  skipped: SkippedLines;
}

/** What clients of the RPC typically send; the legacy code ignores both, but a real client sends them. */
const DEFAULT_REQUEST_HEADERS = { "User-Agent": "rpc-parity/1", Accept: "*/*" } as const;

/** Read (gunzipped when it ends in .gz), detect the format of and parse a requests file. `prefix` filters access-log lines only. */
export async function loadRequests(file: string, prefix: string): Promise<LoadedRequests> {
  let text: string;
  try {
    const bytes = await readFile(file);
    text = (file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  } catch (err) {
    throw new ParityError(`cannot read requests file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const format = detectFormat(text, file);
  const noneSkipped: SkippedLines = { method: 0, prefix: 0, unparsed: 0 };
  switch (format) {
    case "paths":
      return { format, requests: readPathList(text), skipped: noneSkipped };
    case "jsonl":
      return { format, requests: readCorpus(text, file), skipped: noneSkipped };
    case "access-log":
      return { format, ...readAccessLog(text, prefix) };
  }
}

/** Decide the format from the first line that carries content. */
export function detectFormat(text: string, file: string): RequestFormat {
  const first = splitLines(text).find((line) => line.trim() !== "" && !line.startsWith("#"));
  if (first === undefined) throw new ParityError(`requests file ${file} has no requests`);
  if (first.trimStart().startsWith("{")) return "jsonl";
  if (first.startsWith("/")) return "paths";
  if (COMBINED_LINE.test(first)) return "access-log";
  throw new ParityError(
    `cannot tell the format of ${file}: its first line is not a request path, a JSON record or a combined-format log entry`,
  );
}

/** A file of request targets, one per line; blank lines and `#` comments are ignored. */
export function readPathList(text: string): ReplayRequest[] {
  const requests: ReplayRequest[] = [];
  splitLines(text).forEach((line, index) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    requests.push({
      id: `line-${index + 1}`,
      method: "GET",
      target: Buffer.from(line, "utf8"),
      headers: { ...DEFAULT_REQUEST_HEADERS },
      body: null,
    });
  });
  return requests;
}

const CorpusRecord = z.object({
  id: z.string(),
  method: z.string().min(1),
  path: z.string().startsWith("/"),
  req_headers: z.record(z.string(), z.string()),
  req_body: z.string().nullable(),
  status: z.number().int(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  body: z.string().nullable(),
  body_b64: z.string().optional(),
  php8_fatal: z.boolean().optional(),
});

/**
 * Headers of the recorded request that describe the recording's connection rather than the
 * request: the client sets them for the server it talks to.
 */
const CONNECTION_HEADERS = new Set(["host", "connection", "content-length", "keep-alive", "transfer-encoding"]);

/** A JSONL corpus of recorded legacy answers, one record per line (see data/golden/README.md). */
export function readCorpus(text: string, file: string): ReplayRequest[] {
  const requests: ReplayRequest[] = [];
  splitLines(text).forEach((line, index) => {
    if (line.trim() === "") return;
    const where = `${file} line ${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new ParityError(`${where}: not valid JSON`);
    }
    const parsed = CorpusRecord.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ParityError(`${where}: not a corpus record (${issue?.path.join(".") || "record"}: ${issue?.message})`);
    }
    const record = parsed.data;
    if (record.body === null && record.body_b64 === undefined) {
      throw new ParityError(`${where}: record ${record.id} has neither body nor body_b64`);
    }
    const headers = Object.fromEntries(
      Object.entries(record.req_headers).filter(([name]) => !CONNECTION_HEADERS.has(name.toLowerCase())),
    );
    requests.push({
      id: record.id,
      method: record.method,
      target: Buffer.from(record.path, "utf8"),
      headers,
      body: record.req_body === null ? null : Buffer.from(record.req_body, "utf8"),
      recorded: {
        status: record.status,
        headers: record.headers,
        body: record.body === null ? Buffer.from(record.body_b64 ?? "", "base64") : Buffer.from(record.body, "utf8"),
      },
      php8Fatal: record.php8_fatal === true,
    });
  });
  return requests;
}

/**
 * nginx's `combined` format, possibly followed by extra fields:
 * `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`.
 * nginx writes `"` inside a field as `\x22`, so a quoted field never contains a bare quote.
 */
const COMBINED_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "([^"]*)" \d{3} \S+ "[^"]*" "[^"]*"/;
const REQUEST_LINE = /^([A-Z]+) (\S+)(?: HTTP\/\d(?:\.\d)?)?$/;
const REPLAYED_METHODS = new Set(["GET", "HEAD"]);

/** An nginx access log in combined format: the GET and HEAD requests whose target starts with `prefix`. */
export function readAccessLog(text: string, prefix: string): Omit<LoadedRequests, "format"> {
  const requests: ReplayRequest[] = [];
  const skipped: SkippedLines = { method: 0, prefix: 0, unparsed: 0 };
  const wantedPrefix = Buffer.from(prefix, "utf8");
  splitLines(text).forEach((line, index) => {
    if (line.trim() === "") return;
    const requestLine = COMBINED_LINE.exec(line)?.[1];
    // Matched as latin1, one character per byte, so the target's bytes survive untouched.
    const parts = requestLine === undefined ? null : REQUEST_LINE.exec(unescapeNginx(requestLine).toString("latin1"));
    if (!parts) {
      skipped.unparsed++;
      return;
    }
    const [, method = "", latin1Target = ""] = parts;
    const target = Buffer.from(latin1Target, "latin1");
    if (!REPLAYED_METHODS.has(method)) {
      skipped.method++;
    } else if (!target.subarray(0, wantedPrefix.length).equals(wantedPrefix)) {
      skipped.prefix++;
    } else {
      requests.push({ id: `line-${index + 1}`, method, target, headers: { ...DEFAULT_REQUEST_HEADERS }, body: null });
    }
  });
  return { requests, skipped };
}

/**
 * Undo nginx's log escaping, which writes `"`, `\`, control bytes and bytes above 126 as
 * `\xHH`, giving back the bytes the client sent.
 */
function unescapeNginx(field: string): Buffer {
  // split() with a capture group alternates literal text and the captured hex digits.
  const pieces = field.split(/\\x([0-9A-Fa-f]{2})/);
  return Buffer.concat(
    pieces.map((piece, i) => (i % 2 === 1 ? Buffer.from([parseInt(piece, 16)]) : Buffer.from(piece, "utf8"))),
  );
}

/**
 * A target for reports and messages: bytes outside printable ASCII are written `\xHH`, the
 * way nginx logs them, so an odd byte stays visible instead of becoming `�`.
 */
export function showTarget(target: Buffer): string {
  let text = "";
  for (const byte of target) {
    text += byte > 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return text;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}
