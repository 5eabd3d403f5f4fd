// What people do with package bases: co-maintain, comment, get notified, vote and file requests.
import {
  bigint,
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  text,
  tinyint,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";
import { packageBases } from "./packages.js";
import { users } from "./users.js";

export const packageComaintainers = mysqlTable("PackageComaintainers", {
  UsersID: int("UsersID", { unsigned: true }).notNull(),
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  Priority: int("Priority", { unsigned: true }).notNull(),
}, (t) => [
  index("ComaintainersUsersID").on(t.UsersID),
  index("ComaintainersPackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "PackageComaintainers_ibfk_1", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageComaintainers_ibfk_2", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
]);

export const packageComments = mysqlTable("PackageComments", {
  ID: bigint("ID", { mode: "number", unsigned: true }).notNull().autoincrement(),
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  UsersID: int("UsersID", { unsigned: true }),
  Comments: text("Comments").notNull(),
  RenderedComment: text("RenderedComment").notNull(),
  CommentTS: bigint("CommentTS", { mode: "number", unsigned: true }).notNull().default(0),
  EditedTS: bigint("EditedTS", { mode: "number", unsigned: true }),
  EditedUsersID: int("EditedUsersID", { unsigned: true }),
  DelTS: bigint("DelTS", { mode: "number", unsigned: true }),
  DelUsersID: int("DelUsersID", { unsigned: true }),
  PinnedTS: bigint("PinnedTS", { mode: "number", unsigned: true }).notNull().default(0),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  index("EditedUsersID").on(t.EditedUsersID),
  index("DelUsersID").on(t.DelUsersID),
  index("CommentsUsersID").on(t.UsersID),
  index("CommentsPackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "PackageComments_ibfk_1", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("set null"),
  foreignKey({ name: "PackageComments_ibfk_2", columns: [t.EditedUsersID], foreignColumns: [users.ID] }).onDelete("set null"),
  // CASCADE, unlike its siblings: that is what production has.
  foreignKey({ name: "PackageComments_ibfk_3", columns: [t.DelUsersID], foreignColumns: [users.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageComments_ibfk_4", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
]);

export const packageNotifications = mysqlTable("PackageNotifications", {
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  UserID: int("UserID", { unsigned: true }).notNull(),
}, (t) => [
  uniqueIndex("NotifyUserIDPkgID").on(t.UserID, t.PackageBaseID),
  index("PackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "PackageNotifications_ibfk_1", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageNotifications_ibfk_2", columns: [t.UserID], foreignColumns: [users.ID] }).onDelete("cascade"),
]);

export const packageVotes = mysqlTable("PackageVotes", {
  UsersID: int("UsersID", { unsigned: true }).notNull(),
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  VoteTS: bigint("VoteTS", { mode: "number", unsigned: true }),
}, (t) => [
  uniqueIndex("VoteUsersIDPackageID").on(t.UsersID, t.PackageBaseID),
  index("VotesUsersID").on(t.UsersID),
  index("VotesPackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "PackageVotes_ibfk_1", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageVotes_ibfk_2", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
]);

export const requestTypes = mysqlTable("RequestTypes", {
  ID: tinyint("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 32 }).notNull().default(""),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
]);

export const packageRequests = mysqlTable("PackageRequests", {
  ID: bigint("ID", { mode: "number", unsigned: true }).notNull().autoincrement(),
  ReqTypeID: tinyint("ReqTypeID", { unsigned: true }).notNull(),
  PackageBaseID: int("PackageBaseID", { unsigned: true }),
  PackageBaseName: varchar("PackageBaseName", { length: 255 }).notNull(),
  MergeBaseName: varchar("MergeBaseName", { length: 255 }),
  UsersID: int("UsersID", { unsigned: true }),
  Comments: text("Comments").notNull(),
  ClosureComment: text("ClosureComment").notNull(),
  RequestTS: bigint("RequestTS", { mode: "number", unsigned: true }).notNull().default(0),
  Status: tinyint("Status", { unsigned: true }).notNull().default(0),
  ClosedTS: bigint("ClosedTS", { mode: "number", unsigned: true }),
  ClosedUID: int("ClosedUID", { unsigned: true }),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  index("ReqTypeID").on(t.ReqTypeID),
  index("RequestsUsersID").on(t.UsersID),
  index("RequestsPackageBaseID").on(t.PackageBaseID),
  foreignKey({ name: "PackageRequests_ibfk_1", columns: [t.ReqTypeID], foreignColumns: [requestTypes.ID] }).onDelete("no action"),
  foreignKey({ name: "PackageRequests_ibfk_2", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("set null"),
  foreignKey({ name: "PackageRequests_ibfk_3", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("set null"),
]);
