/**
 * One gzip member made of chunks compressed each on its own, so that a build compresses
 * only the chunks that changed and lays the others' bytes beside them as they were.
 *
 * Each chunk is raw deflate ending with a full flush: byte-aligned, no final block, and no
 * reference to data before it (a chunk starts from an empty window). The member is the
 * gzip header, the chunks in order, an empty final block, then the CRC-32 of the whole
 * text (combined from the chunks', crc32.ts) and its length. It stays ONE member because
 * some readers stop after the first (Rust's flate2::GzDecoder, for paru and raur), and a
 * client must never take a list cut short for the whole.
 */
import { promisify } from "node:util";
import { constants, deflateRaw } from "node:zlib";
import { crc32Combine } from "./crc32.js";

export interface DeflatedChunk {
  /** Raw deflate of the chunk's text, ending with a full flush. */
  deflated: Buffer;
  /** CRC-32 of the text. */
  crc: number;
  /** Of the text, in bytes. */
  length: number;
}

const deflateRawAsync = promisify(deflateRaw);

/** A chunk's text as raw deflate ending with a full flush, at zlib's default level, made on libuv's thread pool. */
export const deflateChunk = (text: Buffer): Promise<Buffer> => deflateRawAsync(text, { finishFlush: constants.Z_FULL_FLUSH });

/** Magic, deflate, no flags, no time, no extra flags, Unix: what zlib's gzip writes. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);

/** The gzip member of `chunks`' texts in order, as the buffers to write one after another. */
export function gzipMember(chunks: readonly DeflatedChunk[]): Buffer[] {
  let crc = 0;
  let length = 0;
  for (const chunk of chunks) {
    crc = crc32Combine(crc, chunk.crc, chunk.length);
    length = (length + chunk.length) % 2 ** 32;
  }
  const trailer = Buffer.alloc(10);
  // An empty final block with fixed codes: BFINAL 1, BTYPE 01, end of block.
  trailer[0] = 0x03;
  trailer[1] = 0x00;
  trailer.writeUInt32LE(crc, 2);
  trailer.writeUInt32LE(length, 6);
  return [HEADER, ...chunks.map((c) => c.deflated), trailer];
}
