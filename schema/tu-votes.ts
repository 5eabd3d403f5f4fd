// Trusted User proposals and the votes cast on them.
import {
  bigint,
  decimal,
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  text,
  tinyint,
  varchar,
} from "drizzle-orm/mysql-core";
import { users } from "./users.js";

export const tuVoteInfo = mysqlTable("TU_VoteInfo", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Agenda: text("Agenda").notNull(),
  User: varchar("User", { length: 32 }).notNull(),
  Submitted: bigint("Submitted", { mode: "number", unsigned: true }).notNull(),
  End: bigint("End", { mode: "number", unsigned: true }).notNull(),
  Quorum: decimal("Quorum", { precision: 2, scale: 2, unsigned: true, mode: "number" }).notNull(),
  SubmitterID: int("SubmitterID", { unsigned: true }).notNull(),
  Yes: tinyint("Yes", { unsigned: true }).notNull().default(0),
  No: tinyint("No", { unsigned: true }).notNull().default(0),
  Abstain: tinyint("Abstain", { unsigned: true }).notNull().default(0),
  ActiveTUs: tinyint("ActiveTUs", { unsigned: true }).notNull().default(0),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  index("SubmitterID").on(t.SubmitterID),
  foreignKey({ name: "TU_VoteInfo_ibfk_1", columns: [t.SubmitterID], foreignColumns: [users.ID] }).onDelete("cascade"),
]);

export const tuVotes = mysqlTable("TU_Votes", {
  VoteID: int("VoteID", { unsigned: true }).notNull(),
  UserID: int("UserID", { unsigned: true }).notNull(),
}, (t) => [
  index("VoteID").on(t.VoteID),
  index("UserID").on(t.UserID),
  foreignKey({ name: "TU_Votes_ibfk_1", columns: [t.VoteID], foreignColumns: [tuVoteInfo.ID] }).onDelete("cascade"),
  foreignKey({ name: "TU_Votes_ibfk_2", columns: [t.UserID], foreignColumns: [users.ID] }).onDelete("cascade"),
]);
