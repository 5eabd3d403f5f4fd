// Who may reach the site at all (Bans) and how often the RPC answers one address (ApiRateLimit).
import { bigint, index, int, mysqlTable, primaryKey, timestamp, varchar } from "drizzle-orm/mysql-core";

export const bans = mysqlTable("Bans", {
  IPAddress: varchar("IPAddress", { length: 45 }).notNull(),
  // No default on purpose: production has none (explicit_defaults_for_timestamp is on).
  BanTS: timestamp("BanTS").notNull(),
}, (t) => [
  primaryKey({ columns: [t.IPAddress] }),
]);

export const apiRateLimit = mysqlTable("ApiRateLimit", {
  IP: varchar("IP", { length: 45 }).notNull(),
  Requests: int("Requests").notNull(),
  // Signed, unlike every other *TS column.
  WindowStart: bigint("WindowStart", { mode: "number" }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.IP] }),
  index("ApiRateLimitWindowStart").on(t.WindowStart),
]);
