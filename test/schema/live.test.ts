// schema:diff in live mode: a database loaded from the production dump must read back as the
// very model the dump gives, and drift made with ALTER TABLE must show up.
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSqlFile } from "../../tools/db/sql-file.js";
import { compareSchemas } from "../../tools/schema-diff/compare.js";
import { describeDifference } from "../../tools/schema-diff/format.js";
import { schemaFromDrizzle } from "../../tools/schema-diff/from-drizzle.js";
import { schemaFromDump } from "../../tools/schema-diff/from-dump.js";
import { readLiveSchema } from "../../tools/schema-diff/from-live.js";
import { createScratchDatabase } from "../../support/database.js";
import type { ScratchDatabase } from "../../support/database.js";
import { productionDump, productionDumpPath, sortedModel } from "./support.js";

describe("live mode on a database loaded from the production dump", () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("schema_live");
    await loadSqlFile(db.url, productionDumpPath);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reads the same model as file mode", async () => {
    const live = await readLiveSchema(db.url);
    expect(sortedModel(live)).toEqual(sortedModel(schemaFromDump(productionDump)));
    expect(compareSchemas(live, schemaFromDump(productionDump))).toEqual([]);
  });

  it("finds no differences with the Drizzle schema", async () => {
    expect(compareSchemas(await readLiveSchema(db.url), schemaFromDrizzle())).toEqual([]);
  });
});

describe("live mode on a drifted database", () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("schema_live_drift");
    await loadSqlFile(db.url, productionDumpPath);
    const connection = await mysql.createConnection(db.url);
    try {
      await connection.query("ALTER TABLE Packages MODIFY Name varchar(128) NOT NULL");
      await connection.query("ALTER TABLE Users MODIFY LangPreference varchar(6) NOT NULL DEFAULT 'de'");
      await connection.query("ALTER TABLE PackageComments DROP FOREIGN KEY PackageComments_ibfk_3");
      await connection.query(
        "ALTER TABLE PackageComments ADD CONSTRAINT PackageComments_ibfk_3 FOREIGN KEY (DelUsersID) REFERENCES Users (ID) ON DELETE SET NULL ON UPDATE CASCADE",
      );
      await connection.query("ALTER TABLE PackageBases RENAME INDEX BasesNumVotes TO NumVotes");
      await connection.query("ALTER TABLE Bans ENGINE=MyISAM");
    } finally {
      await connection.end();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reports each change and nothing else", async () => {
    const differences = compareSchemas(await readLiveSchema(db.url), schemaFromDrizzle()).map(describeDifference);
    expect(differences).toEqual([
      "Bans: engine: database MyISAM, code InnoDB",
      "PackageBases: index BasesNumVotes: name: database NumVotes, code BasesNumVotes",
      "PackageComments: foreign key PackageComments_ibfk_3: on delete: database SET NULL, code CASCADE",
      "PackageComments: foreign key PackageComments_ibfk_3: on update: database CASCADE, code RESTRICT",
      "Packages.Name: type: database varchar(128), code varchar(255)",
      "Users.LangPreference: default: database 'de', code 'en'",
    ]);
  });
});
