// What a package declares in its .SRCINFO: dependencies, relations, groups, licenses,
// keywords and sources.
import {
  foreignKey,
  index,
  int,
  mysqlTable,
  primaryKey,
  tinyint,
  uniqueIndex,
  varchar,
} from "drizzle-orm/mysql-core";
import { packageBases, packages } from "./packages.js";

export const dependencyTypes = mysqlTable("DependencyTypes", {
  ID: tinyint("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 32 }).notNull().default(""),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
]);

export const packageDepends = mysqlTable("PackageDepends", {
  PackageID: int("PackageID", { unsigned: true }).notNull(),
  DepTypeID: tinyint("DepTypeID", { unsigned: true }).notNull(),
  DepName: varchar("DepName", { length: 255 }).notNull(),
  DepDesc: varchar("DepDesc", { length: 255 }),
  DepCondition: varchar("DepCondition", { length: 255 }),
  DepArch: varchar("DepArch", { length: 255 }),
}, (t) => [
  index("DepTypeID").on(t.DepTypeID),
  index("DependsPackageID").on(t.PackageID),
  index("DependsDepName").on(t.DepName),
  foreignKey({ name: "PackageDepends_ibfk_1", columns: [t.PackageID], foreignColumns: [packages.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageDepends_ibfk_2", columns: [t.DepTypeID], foreignColumns: [dependencyTypes.ID] }).onDelete("no action"),
]);

export const relationTypes = mysqlTable("RelationTypes", {
  ID: tinyint("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 32 }).notNull().default(""),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
]);

export const packageRelations = mysqlTable("PackageRelations", {
  PackageID: int("PackageID", { unsigned: true }).notNull(),
  RelTypeID: tinyint("RelTypeID", { unsigned: true }).notNull(),
  RelName: varchar("RelName", { length: 255 }).notNull(),
  RelCondition: varchar("RelCondition", { length: 255 }),
  RelArch: varchar("RelArch", { length: 255 }),
}, (t) => [
  index("RelTypeID").on(t.RelTypeID),
  index("RelationsPackageID").on(t.PackageID),
  index("RelationsRelName").on(t.RelName),
  foreignKey({ name: "PackageRelations_ibfk_1", columns: [t.PackageID], foreignColumns: [packages.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageRelations_ibfk_2", columns: [t.RelTypeID], foreignColumns: [relationTypes.ID] }).onDelete("no action"),
]);

export const groups = mysqlTable("Groups", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 255 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Name").on(t.Name),
]);

export const packageGroups = mysqlTable("PackageGroups", {
  PackageID: int("PackageID", { unsigned: true }).notNull(),
  GroupID: int("GroupID", { unsigned: true }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.PackageID, t.GroupID] }),
  index("GroupID").on(t.GroupID),
  foreignKey({ name: "PackageGroups_ibfk_1", columns: [t.PackageID], foreignColumns: [packages.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageGroups_ibfk_2", columns: [t.GroupID], foreignColumns: [groups.ID] }).onDelete("cascade"),
]);

export const licenses = mysqlTable("Licenses", {
  ID: int("ID", { unsigned: true }).notNull().autoincrement(),
  Name: varchar("Name", { length: 255 }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.ID] }),
  uniqueIndex("Name").on(t.Name),
]);

export const packageLicenses = mysqlTable("PackageLicenses", {
  PackageID: int("PackageID", { unsigned: true }).notNull(),
  LicenseID: int("LicenseID", { unsigned: true }).notNull(),
}, (t) => [
  primaryKey({ columns: [t.PackageID, t.LicenseID] }),
  index("LicenseID").on(t.LicenseID),
  foreignKey({ name: "PackageLicenses_ibfk_1", columns: [t.PackageID], foreignColumns: [packages.ID] }).onDelete("cascade"),
  foreignKey({ name: "PackageLicenses_ibfk_2", columns: [t.LicenseID], foreignColumns: [licenses.ID] }).onDelete("cascade"),
]);

export const packageKeywords = mysqlTable("PackageKeywords", {
  PackageBaseID: int("PackageBaseID", { unsigned: true }).notNull(),
  Keyword: varchar("Keyword", { length: 255 }).notNull().default(""),
}, (t) => [
  primaryKey({ columns: [t.PackageBaseID, t.Keyword] }),
  foreignKey({ name: "PackageKeywords_ibfk_1", columns: [t.PackageBaseID], foreignColumns: [packageBases.ID] }).onDelete("cascade"),
]);

export const packageSources = mysqlTable("PackageSources", {
  PackageID: int("PackageID", { unsigned: true }).notNull(),
  Source: varchar("Source", { length: 8000 }).notNull().default("/dev/null"),
  SourceArch: varchar("SourceArch", { length: 255 }),
}, (t) => [
  index("SourcesPackageID").on(t.PackageID),
  foreignKey({ name: "PackageSources_ibfk_1", columns: [t.PackageID], foreignColumns: [packages.ID] }).onDelete("cascade"),
]);
