/**
 * The input could not be used: an unreadable or malformed dump, or a database that cannot be
 * reached. The message is meant for the person running the tool, as is.
 */
export class SchemaInputError extends Error {
  override readonly name = "SchemaInputError";
}
