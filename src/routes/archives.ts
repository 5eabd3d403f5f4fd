/**
 * The metadata archives (packages.gz, pkgbase.gz, users.gz, packages-meta-v1.json.gz,
 * packages-meta-ext-v1.json.gz, and each one's .sha256), answered as a static file server
 * answers files: strong ETags from the content's SHA-256, Last-Modified the time that
 * content was built, 304s, single byte ranges (clients resume), HEAD. They are gzip
 * files to be saved as they are, so no Content-Encoding; the Content-Type is nginx's
 * default for an extension its mime.types does not list.
 */
import { Readable } from "node:stream";
import { open } from "node:fs/promises";
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { ARCHIVE_NAMES } from "../archives/content.js";
import { isArchiveName, type ArchiveDirectory, type PublishedArchive } from "../archives/directory.js";

const CONTENT_TYPE = "application/octet-stream";

const httpDate = (ms: number) => new Date(ms).toUTCString();
/** HTTP dates have whole seconds. */
const wholeSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/** Whether an If-None-Match list names `etag` (weak comparison, as RFC 9110 asks of GET). */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

type Range = { start: number; end: number } | "unsatisfiable" | undefined;

/** One `bytes=` range; several, or a malformed header, are ignored (the whole file is sent). */
function parseRange(header: string | undefined, size: number): Range {
  const match = header?.match(/^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

interface Served {
  etag: string;
  lastModified: number;
  size: number;
  /** The bytes from `start` to `end`, inclusive. */
  body(start: number, end: number): Promise<BodyInit>;
}

function sidecar(name: string, archive: PublishedArchive): Served {
  const text = Buffer.from(`SHA256 (${name}) = ${archive.sha256}`);
  return {
    etag: `"${archive.sha256}-sha256"`,
    lastModified: archive.builtAt,
    size: text.length,
    body: async (start, end) => text.subarray(start, end + 1),
  };
}

function archiveFile(archive: PublishedArchive): Served {
  return {
    etag: `"${archive.sha256}"`,
    lastModified: archive.builtAt,
    size: archive.size,
    async body(start, end) {
      if (end < start) return new Uint8Array(0);
      const handle = await open(archive.path);
      return Readable.toWeb(handle.createReadStream({ start, end })) as ReadableStream<Uint8Array>;
    },
  };
}

async function answer(c: Context<AppEnv>, served: Served): Promise<Response> {
  const headers: Record<string, string> = {
    "Content-Type": CONTENT_TYPE,
    ETag: served.etag,
    "Last-Modified": httpDate(served.lastModified),
    "Accept-Ranges": "bytes",
  };
  const ifNoneMatch = c.req.header("if-none-match");
  const ifModifiedSince = c.req.header("if-modified-since");
  const notModified =
    ifNoneMatch !== undefined
      ? noneMatch(ifNoneMatch, served.etag)
      : ifModifiedSince !== undefined && !Number.isNaN(Date.parse(ifModifiedSince)) && wholeSeconds(served.lastModified) <= Date.parse(ifModifiedSince);
  if (notModified) return new Response(null, { status: 304, headers });

  const ifRange = c.req.header("if-range");
  const rangeApplies = ifRange === undefined || ifRange === served.etag || (!ifRange.startsWith('"') && Date.parse(ifRange) === wholeSeconds(served.lastModified));
  const range = rangeApplies ? parseRange(c.req.header("range"), served.size) : undefined;
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${served.size}`, "Content-Length": "0" } });
  }
  const { start, end } = range ?? { start: 0, end: served.size - 1 };
  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${served.size}`;
  headers["Content-Length"] = String(end - start + 1);
  if (c.req.method === "HEAD") return new Response(null, { status, headers });
  return new Response(await served.body(start, end), { status, headers });
}

/** `directory` is undefined until the archives are started. */
export function archiveRoutes(directory: () => ArchiveDirectory | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const paths = ARCHIVE_NAMES.flatMap((name) => [`/${name}`, `/${name}.sha256`]);
  app.on(["GET", "HEAD"], paths, async (c) => {
    const file = c.req.path.slice(1);
    const name = file.endsWith(".sha256") ? file.slice(0, -".sha256".length) : file;
    if (!isArchiveName(name)) return c.notFound();
    for (let attempt = 0; ; attempt++) {
      const served = directory();
      const archive = await served?.get(name);
      if (!archive) {
        return c.json({ error: "The archives are being built; try again in a moment." }, 503, { "Retry-After": "1" });
      }
      try {
        return await answer(c, name === file ? archiveFile(archive) : sidecar(name, archive));
      } catch (error) {
        // A newer build replaced the file after the manifest was read: read it again.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt > 0) throw error;
        served!.invalidate();
      }
    }
  });
  return app;
}
