// Accounts: who the users are, how they sign in and which terms they accepted.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  char,
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  text,
  timestamp,
  tinyint,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";

export const accountTypes = mysqlTable("AccountTypes", {
  ID: tinyint("ID", { unsigned: true }).notNull().autoincrement(),
  AccountType: varchar("AccountType", { length: 32 }).notNull().default(""),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
]);

export const users = mysqlTable("Users", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  AccountTypeID: tinyint("AccountTypeID", { unsigned: true }).notNull().default(1),
  Suspended: tinyint("Suspended", { unsigned: true }).notNull().default(0),
  Username: varchar("Username", { length: 32 }).notNull(),
  Email: varchar("Email", { length: 254 }).notNull(),
  HideEmail: tinyint("HideEmail", { unsigned: true }).notNull().default(0),
  Passwd: varchar("Passwd", { length: 255 }).notNull(),
  Salt: char("Salt", { length: 32 }).notNull().default(""),
  ResetKey: char("ResetKey", { length: 32 }).notNull().default(""),
  RealName: varchar("RealName", { length: 64 }).notNull().default(""),
  LangPreference: varchar("LangPreference", { length: 6 }).notNull().default("en"),
  Timezone: varchar("Timezone", { length: 32 }).notNull().default("UTC"),
  Homepage: text("Homepage"),
  IRCNick: varchar("IRCNick", { length: 32 }).notNull().default(""),
  PGPKey: varchar("PGPKey", { length: 40 }),
  LastLogin: bigint("LastLogin", { mode: "number", unsigned: true }).notNull().default(0),
  LastLoginIPAddress: varchar("LastLoginIPAddress", { length: 45 }),
  LastSSHLogin: bigint("LastSSHLogin", { mode: "number", unsigned: true }).notNull().default(0),
  LastSSHLoginIPAddress: varchar("LastSSHLoginIPAddress", { length: 45 }),
  InactivityTS: bigint("InactivityTS", { mode: "number", unsigned: true }).notNull().default(0),
  RegistrationTS: timestamp("RegistrationTS").notNull().default(sql`current_timestamp()`),
  // boolean() is Drizzle's spelling of TINYINT(1).
  CommentNotify: boolean("CommentNotify").notNull().default(true),
  UpdateNotify: boolean("UpdateNotify").notNull().default(false),
  OwnershipNotify: boolean("OwnershipNotify").notNull().default(true),
  BackupEmail: varchar("BackupEmail", { length: 254 }),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Username").on(t.Username),
  uniqueIndex("Email").on(t.Email),
  index("UsersAccountTypeID").on(t.AccountTypeID),
  foreignKey({ name: "Users_ibfk_1", columns: [t.AccountTypeID], foreignColumns: [accountTypes.ID] }).onDelete("no action"),
]);

export const sessions = mysqlTable("Sessions", {
  UsersID: int("UsersID", { unsigned: true }).notNull(),
  SessionID: char("SessionID", { length: 32 }).notNull(),
  LastUpdateTS: bigint("LastUpdateTS", { mode: "number", unsigned: true }).notNull(),
}, (t) => [
  uniqueIndex("SessionID").on(t.SessionID),
  index("UsersID").on(t.UsersID),
  foreignKey({ name: "Sessions_ibfk_1", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("cascade"),
]);

export const sshPubKeys = mysqlTable("SSHPubKeys", {
  UserID: int("UserID", { unsigned: true }).notNull(),
  Fingerprint: varchar("Fingerprint", { length: 44 }).notNull(),
  PubKey: varchar("PubKey", { length: 4096 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.Fingerprint] }),
  index("UserID").on(t.UserID),
  foreignKey({ name: "SSHPubKeys_ibfk_1", columns: [t.UserID], foreignColumns: [users.ID] }).onDelete("cascade"),
]);

export const terms = mysqlTable("Terms", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Description: varchar("Description", { length: 255 }).notNull(),
  URL: varchar("URL", { length: 8000 }).notNull(),
  Revision: int("Revision", { unsigned: true }).notNull().default(1),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
]);

export const acceptedTerms = mysqlTable("AcceptedTerms", {
  UsersID: int("UsersID", { unsigned: true }).notNull(),
  TermsID: int("TermsID", { unsigned: true }).notNull(),
  Revision: int("Revision", { unsigned: true }).notNull().default(0),
}, (t) => [
  index("UsersID").on(t.UsersID),
  index("TermsID").on(t.TermsID),
  foreignKey({ name: "AcceptedTerms_ibfk_1", columns: [t.UsersID], foreignColumns: [users.ID] }).onDelete("cascade"),
  foreignKey({ name: "AcceptedTerms_ibfk_2", columns: [t.TermsID], foreignColumns: [terms.ID] }).onDelete("cascade"),
]);
