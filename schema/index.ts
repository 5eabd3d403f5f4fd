// The legacy aurweb database, table by table, as production has it
// (see docs/schema.md for how this is checked against a real database).
export * from "./users.js";
export * from "./request-limits.js";
export * from "./packages.js";
export * from "./package-metadata.js";
export * from "./package-activity.js";
export * from "./tu-votes.js";
export * from "./table-options.js";
export * from "./reference-data.js";
