/**
 * One gzip member from chunks compressed apart: every reader gets the whole text, the
 * readers that stop after the first member too (Rust's flate2::GzDecoder, which paru and
 * raur use, reads only the first).
 */
import { spawnSync } from "node:child_process";
import { constants, crc32, gunzipSync, gzipSync, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { deflateChunk, gzipMember, type DeflatedChunk } from "../../../src/archives/gzip-chunks.js";

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `{"ID":${from + i},"Name":"pkg-${from + i}","Description":"ünïcödé ${"x".repeat((from + i) % 50)}"},\n`).join("");

/** Texts whose chunks share long runs, which a compressor would refer back to across chunks if it could. */
const TEXTS = [lines(0, 300), lines(300, 900), "", lines(900, 901), lines(901, 2000)].map((t) => Buffer.from(t));
const WHOLE = Buffer.concat(TEXTS);

async function member(texts: readonly Buffer[]): Promise<{ file: Buffer; chunks: DeflatedChunk[] }> {
  const chunks = await Promise.all(texts.map(async (text) => ({ deflated: await deflateChunk(text), crc: crc32(text), length: text.length })));
  return { file: Buffer.concat(gzipMember(chunks)), chunks };
}

function run(command: string, args: string[], input: Buffer): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 1 << 28 });
  if (result.error) throw result.error;
  expect(result.status, `${command}: ${result.stderr.toString()}`).toBe(0);
  return result.stdout;
}

/** Python's zlib with gzip framing reads one member and leaves what follows it in unused_data. */
const FIRST_MEMBER_ONLY = `
import sys, zlib
data = sys.stdin.buffer.read()
d = zlib.decompressobj(wbits=31)
out = d.decompress(data)
if not d.eof or d.unused_data:
    sys.exit("eof=%s, %d bytes after the first member" % (d.eof, len(d.unused_data)))
sys.stdout.buffer.write(out)
`;

describe("gzipMember", () => {
  it("is read whole by gunzip, Python's gzip and Node's gunzipSync", async () => {
    const { file } = await member(TEXTS);
    expect(gunzipSync(file).equals(WHOLE)).toBe(true);
    expect(run("gunzip", ["-c"], file).equals(WHOLE)).toBe(true);
    expect(run("python3", ["-c", "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"], file).equals(WHOLE)).toBe(true);
  });

  it("is one member: a reader of the first member only gets the whole text and nothing is left after it", async () => {
    const { file } = await member(TEXTS);
    expect(run("python3", ["-c", FIRST_MEMBER_ONLY], file).equals(WHOLE)).toBe(true);
    // The deflate stream after the 10-byte header ends with a final block right before the 8-byte trailer.
    const { buffer, engine } = inflateRawSync(file.subarray(10), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    expect(buffer.equals(WHOLE)).toBe(true);
    expect(engine.bytesWritten).toBe(file.length - 18);
    expect(file.readUInt32LE(file.length - 8)).toBe(crc32(WHOLE));
    expect(file.readUInt32LE(file.length - 4)).toBe(WHOLE.length);
  });

  it("(the check above tells a file of several members, which gunzip reads whole, from one)", () => {
    const members = Buffer.concat(TEXTS.map((text) => gzipSync(text)));
    expect(gunzipSync(members).equals(WHOLE)).toBe(true);
    const result = spawnSync("python3", ["-c", FIRST_MEMBER_ONLY], { input: members });
    expect(result.status).not.toBe(0);
    expect(result.stderr.toString()).toMatch(/bytes after the first member/);
  });

  it("holds chunks that each decode on their own: none refers to another's data", async () => {
    const { chunks } = await member(TEXTS);
    for (const [i, chunk] of chunks.entries()) {
      expect(inflateRawSync(chunk.deflated, { finishFlush: constants.Z_SYNC_FLUSH }).equals(TEXTS[i]!), `chunk ${i}`).toBe(true);
    }
  });

  it("of no chunks is the empty text", async () => {
    const { file } = await member([]);
    expect(gunzipSync(file).length).toBe(0);
    expect(run("python3", ["-c", FIRST_MEMBER_ONLY], file).length).toBe(0);
  });
});
