import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Combine } from "../../../src/archives/crc32.js";

/** Bytes from a fixed seed, so that a failure can be run again. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

describe("crc32Combine", () => {
  it("gives zlib's CRC-32 of a concatenation from the CRCs of its two parts", () => {
    const lengths = [0, 1, 2, 3, 7, 8, 255, 256, 4095, 65_536, 100_003, 1 << 20];
    for (const a of lengths) {
      for (const b of lengths) {
        const left = bytes(a, a + 1);
        const right = bytes(b, b + 7);
        expect(crc32Combine(crc32(left), crc32(right), right.length), `${a} + ${b}`).toBe(crc32(Buffer.concat([left, right])));
      }
    }
  });

  it("folds over many parts as over one text", () => {
    const parts = Array.from({ length: 200 }, (_, i) => bytes((i * 7919) % 3001, i + 3));
    let crc = 0;
    for (const part of parts) crc = crc32Combine(crc, crc32(part), part.length);
    expect(crc).toBe(crc32(Buffer.concat(parts)));
  });

  it("depends on the second part's length: zeros are not nothing", () => {
    const a = bytes(100, 5);
    expect(crc32Combine(crc32(a), crc32(Buffer.alloc(10)), 10)).toBe(crc32(Buffer.concat([a, Buffer.alloc(10)])));
    expect(crc32Combine(crc32(a), crc32(Buffer.alloc(10)), 9)).not.toBe(crc32(Buffer.concat([a, Buffer.alloc(10)])));
  });
});
