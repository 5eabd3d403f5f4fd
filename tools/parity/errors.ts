/**
 * A problem the person running the tool can fix: a bad option, an unreadable or malformed
 * input file, a server that does not answer at all. The CLI prints its message on one line
 * and exits 2; anything else is a bug in the tool.
 */
export class ParityError extends Error {
  override name = "ParityError";
}
