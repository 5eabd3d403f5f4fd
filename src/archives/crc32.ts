/**
 * The CRC-32 of a concatenation from the CRCs of its parts, as zlib's crc32_combine finds
 * it, so that a gzip member made of chunks compressed apart (gzip-chunks.ts) gets the CRC
 * of its whole text without reading it again. CRCs are polynomials over GF(2), bit-reflected:
 * crc(a ‖ b) = crc(a) · x^(8·|b|) mod P + crc(b).
 */

/** The gzip polynomial, reflected. */
const POLY = 0xedb88320;

/** a · b mod P, both reflected (x^0 is the top bit). */
function multModP(a: number, b: number): number {
  let product = 0;
  for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
    if (a & bit) product ^= b;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X2N.push(multModP(X2N[k - 1]!, X2N[k - 1]!));

/** x^(n · 2^k) mod P. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  for (; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multModP(X2N[k % 32]!, p);
  return p;
}

/** The CRC-32 of a ‖ b, from crc(a), crc(b) and the length of b in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
