// Package bases (the unit users maintain and vote on) and the packages built from them.
import {
  bigint,
  decimal,
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";
import { users } from "./users.js";

export const packageBases = mysqlTable("PackageBases", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 255 }).notNull(),
  NumVotes: int("NumVotes", { unsigned: true }).notNull().default(0),
  // Read as a JavaScript number: the RPC prints it as a float, as PHP did.
  Popularity: decimal("Popularity", { precision: 10, scale: 6, unsigned: true, mode: "number" }).notNull().default(0),
  OutOfDateTS: bigint("OutOfDateTS", { mode: "number", unsigned: true }),
  FlaggerComment: text("FlaggerComment").notNull(),
  SubmittedTS: bigint("SubmittedTS", { mode: "number", unsigned: true }).notNull(),
  ModifiedTS: bigint("ModifiedTS", { mode: "number", unsigned: true }).notNull(),
  FlaggerUID: int("FlaggerUID", { unsigned: true }),
  SubmitterUID: int("SubmitterUID", { unsigned: true }),
  MaintainerUID: int("MaintainerUID", { unsigned: true }),
  PackagerUID: int("PackagerUID", { unsigned: true }),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Name").on(t.Name),
  index("FlaggerUID").on(t.FlaggerUID),
  index("BasesNumVotes").on(t.NumVotes),
  index("BasesSubmitterUID").on(t.SubmitterUID),
  index("BasesMaintainerUID").on(t.MaintainerUID),
  index("BasesPackagerUID").on(t.PackagerUID),
  foreignKey({ name: "PackageBases_ibfk_1", columns: [t.FlaggerUID], foreignColumns: [users.ID] }).onDelete("set null"),
  foreignKey({ name: "PackageBases_ibfk_2", columns: [t.SubmitterUID], foreignColumns: [users.ID] }).onDelete("set null"),
  foreignKey({ name: "PackageBases_ibfk_3", columns: [t.MaintainerUID], foreignColumns: [users.ID] }).onDelete("set null"),
  foreignKey({ name: "PackageBases_ibfk_4", columns: [t.PackagerUID], foreignColumns: [users.ID] }).onDelete("set null"),
]);

export const packages = mysqlTable("Packages", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  Name: varchar("Name", { length: 255 }).notNull(),
  Version: varchar("Version", { length: 255 }).notNull().default(""),
  Description: varchar("Description", { length: 255 }),
  URL: varchar("URL", { length: 8000 }),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Name").on(t.Name),
  index("PackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "Packages_ibfk_1", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
]);

/** Names nobody may submit. */
export const packageBlacklist = mysqlTable("PackageBlacklist", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 64 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Name").on(t.Name),
]);

/** Names the official repositories provide, so AUR submissions can be checked against them. */
export const officialProviders = mysqlTable("OfficialProviders", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 64 }).notNull(),
  Repo: varchar("Repo", { length: 64 }).notNull(),
  Provides: varchar("Provides", { length: 64 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("ProviderNameProvides").on(t.Name, t.Provides),
]);
