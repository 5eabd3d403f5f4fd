/** Where `value` is among `count` ascending values (`valueAt(i)` is the i-th), or -1. */
export function indexInAscending(count: number, valueAt: (index: number) => number, value: number): number {
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = valueAt(middle);
    if (at === value) return middle;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
