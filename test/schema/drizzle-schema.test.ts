// The shape of schema/ itself: what other modules import from it.
import { getTableColumns, getTableName, is } from "drizzle-orm";
import { MySqlTable } from "drizzle-orm/mysql-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../schema/index.js";
import { drizzleTables } from "../../tools/schema-diff/from-drizzle.js";

describe("schema/", () => {
  it("exports every legacy table under the camelCase of its name", () => {
    const exported = Object.entries(schema).flatMap(([exportName, value]) =>
      is(value, MySqlTable) ? [[exportName, getTableName(value)]] : [],
    );
    expect(Object.fromEntries(exported)).toEqual({
      acceptedTerms: "AcceptedTerms",
      accountTypes: "AccountTypes",
      apiRateLimit: "ApiRateLimit",
      bans: "Bans",
      dependencyTypes: "DependencyTypes",
      groups: "Groups",
      licenses: "Licenses",
      officialProviders: "OfficialProviders",
      packageBases: "PackageBases",
      packageBlacklist: "PackageBlacklist",
      packageComaintainers: "PackageComaintainers",
      packageComments: "PackageComments",
      packageDepends: "PackageDepends",
      packageGroups: "PackageGroups",
      packageKeywords: "PackageKeywords",
      packageLicenses: "PackageLicenses",
      packageNotifications: "PackageNotifications",
      packageRelations: "PackageRelations",
      packageRequests: "PackageRequests",
      packageSources: "PackageSources",
      packageVotes: "PackageVotes",
      packages: "Packages",
      relationTypes: "RelationTypes",
      requestTypes: "RequestTypes",
      sessions: "Sessions",
      sshPubKeys: "SSHPubKeys",
      terms: "Terms",
      tuVoteInfo: "TU_VoteInfo",
      tuVotes: "TU_Votes",
      users: "Users",
    });
  });

  it("names each column property exactly like the column", () => {
    for (const table of drizzleTables()) {
      for (const [property, column] of Object.entries(getTableColumns(table))) {
        expect(`${getTableName(table)}.${property}`).toBe(`${getTableName(table)}.${column.name}`);
      }
    }
  });

  it("has table options for exactly the tables it defines", () => {
    expect(Object.keys(schema.tableOptions).sort()).toEqual(drizzleTables().map(getTableName).sort());
  });
});
