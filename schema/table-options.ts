// Table options that mysql-core cannot express (it has no engine/charset/collation API).
// Creating tables and diffing them against a database both read them from here.
import { getTableName } from "drizzle-orm";
import type { MySqlTable } from "drizzle-orm/mysql-core";

export interface TableOptions {
  readonly engine: string;
  readonly charset: string;
  readonly collation: string;
}

/** What every legacy table has in production; new databases get the same defaults. */
export const legacyTableOptions: TableOptions = { engine: "InnoDB", charset: "utf8mb4", collation: "utf8mb4_general_ci" };
const legacy = legacyTableOptions;

/** Keyed by the table's name in the database. */
export const tableOptions: Readonly<Record<string, TableOptions>> = {
  AcceptedTerms: legacy,
  AccountTypes: legacy,
  ApiRateLimit: legacy,
  Bans: legacy,
  DependencyTypes: legacy,
  Groups: legacy,
  Licenses: legacy,
  OfficialProviders: legacy,
  PackageBases: legacy,
  PackageBlacklist: legacy,
  PackageComaintainers: legacy,
  PackageComments: legacy,
  PackageDepends: legacy,
  PackageGroups: legacy,
  PackageKeywords: legacy,
  PackageLicenses: legacy,
  PackageNotifications: legacy,
  PackageRelations: legacy,
  PackageRequests: legacy,
  PackageSources: legacy,
  PackageVotes: legacy,
  Packages: legacy,
  RelationTypes: legacy,
  RequestTypes: legacy,
  SSHPubKeys: legacy,
  Sessions: legacy,
  TU_VoteInfo: legacy,
  TU_Votes: legacy,
  Terms: legacy,
  Users: legacy,
};

/** A table without an entry is a mistake in this file, not something to guess a default for. */
export function tableOptionsFor(table: MySqlTable): TableOptions {
  const name = getTableName(table);
  const options = tableOptions[name];
  if (!options) throw new Error(`schema/table-options.ts has no entry for table ${name}`);
  return options;
}
