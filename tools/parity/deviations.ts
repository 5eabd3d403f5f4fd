import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ParityError } from "./errors.js";
import type { Answer } from "./requests.js";

/** A header value in a deviation meaning "the ETag rule": `"<md5 of the body received>"`. */
export const ETAG_OF_BODY = "md5-of-body";

/**
 * A reviewed, deliberate departure from the legacy answer for one corpus record: the fields
 * given replace the expected answer's, the rest is still compared as recorded. `reason` is
 * required so the file documents why each one is acceptable.
 */
const Deviation = z.object({
  id: z.string().min(1),
  reason: z.string().min(1),
  status: z.number().int().optional(),
  /** The whole expected body. */
  body: z.string().optional(),
  /** Edits to the recorded body: each `[from, to]` replaces every occurrence (which must exist). */
  bodyReplace: z.array(z.tuple([z.string(), z.string()])).optional(),
  /** The body is not pinned, but must contain this (for answers this service words itself). */
  bodyContains: z.string().optional(),
  /** Replaces these headers (names in any case); null means the header must be absent. */
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string()), z.null()])).optional(),
});

export type Deviation = z.infer<typeof Deviation>;

/** Read a deviations file: a JSON array, or one JSON object per line. Keyed by record id. */
export async function loadDeviations(file: string): Promise<Map<string, Deviation>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ParityError(`cannot read deviations file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const entries = text.trimStart().startsWith("[") ? parseArray(text, file) : parseLines(text, file);
  const deviations = new Map<string, Deviation>();
  entries.forEach(({ where, value }) => {
    const parsed = Deviation.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ParityError(`${where}: not a deviation (${issue?.path.join(".") || "entry"}: ${issue?.message})`);
    }
    if (deviations.has(parsed.data.id)) throw new ParityError(`${where}: a second deviation for ${parsed.data.id}`);
    deviations.set(parsed.data.id, parsed.data);
  });
  return deviations;
}

interface Entry {
  /** File and position, for error messages. */
  where: string;
  value: unknown;
}

function parseArray(text: string, file: string): Entry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ParityError(`deviations file ${file} is not valid JSON`);
  }
  if (!Array.isArray(json)) throw new ParityError(`deviations file ${file} is not a JSON array`);
  return json.map((value, i) => ({ where: `${file} entry ${i + 1}`, value }));
}

function parseLines(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file} line ${i + 1}`;
    try {
      entries.push({ where, value: JSON.parse(line) });
    } catch {
      throw new ParityError(`${where}: not valid JSON`);
    }
  });
  return entries;
}

/**
 * The answer to expect once a deviation is taken into account. `actual` is the answer the
 * candidate gave: a `bodyContains` deviation accepts its body when it holds the fragment,
 * and the ETag rule is checked against the body actually received.
 */
export function applyDeviation(expected: Answer, deviation: Deviation, actual: Answer): Answer {
  let body = deviation.body === undefined ? expected.body : Buffer.from(deviation.body, "utf8");
  if (deviation.bodyReplace) {
    let text = body.toString("utf8");
    for (const [from, to] of deviation.bodyReplace) {
      if (!text.includes(from)) throw new ParityError(`deviation ${deviation.id}: the recorded body has no ${JSON.stringify(from)}`);
      text = text.split(from).join(to);
    }
    body = Buffer.from(text, "utf8");
  }
  if (deviation.bodyContains !== undefined) {
    body = actual.body.includes(deviation.bodyContains) ? actual.body : Buffer.from(`(a body containing ${deviation.bodyContains})`);
  }
  const headers = { ...expected.headers };
  // A corrected body has a corrected ETag, the MD5 of the body.
  if (headers.etag !== undefined && deviation.body !== undefined) headers.etag = etagOf(body);
  if (headers.etag !== undefined && deviation.bodyReplace) headers.etag = etagOf(body);
  for (const [name, value] of Object.entries(deviation.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value === ETAG_OF_BODY ? etagOf(actual.body) : value;
  }
  return { status: deviation.status ?? expected.status, headers, body };
}

function etagOf(body: Buffer): string {
  return `"${createHash("md5").update(body).digest("hex")}"`;
}
