// createSchema / db:create: the database it makes must diff clean against production.
import mysql from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { referenceData } from "../../schema/index.js";
import { createSchema } from "../../tools/db/create-schema.js";
import { compareSchemas } from "../../tools/schema-diff/compare.js";
import { schemaFromDrizzle } from "../../tools/schema-diff/from-drizzle.js";
import { schemaFromDump } from "../../tools/schema-diff/from-dump.js";
import { readLiveSchema } from "../../tools/schema-diff/from-live.js";
import { createScratchDatabase } from "../../support/database.js";
import type { ScratchDatabase } from "../../support/database.js";
import { productionDump, runCli } from "./support.js";

describe("createSchema", () => {
  let db: ScratchDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it("makes a database that diffs clean against the production dump", async () => {
    db = await createScratchDatabase("schema_create");
    await createSchema(db.url, { referenceData: false });
    const created = await readLiveSchema(db.url);
    expect(compareSchemas(created, schemaFromDump(productionDump))).toEqual([]);
    expect(compareSchemas(created, schemaFromDrizzle())).toEqual([]);
  });

  it("creates a missing database and inserts the reference rows on request", async () => {
    db = await createScratchDatabase("schema_create_new");
    await db.drop();
    await createSchema(db.url, { referenceData: true });
    const connection = await mysql.createConnection(db.url);
    try {
      const rows = async (sql: string) => (await connection.query<mysql.RowDataPacket[]>(sql))[0].map((r) => ({ ...r }));
      expect(await rows("SELECT ID, AccountType FROM AccountTypes ORDER BY ID")).toEqual(referenceData.accountTypes);
      expect(await rows("SELECT ID, Name FROM DependencyTypes ORDER BY ID")).toEqual(referenceData.dependencyTypes);
      expect(await rows("SELECT ID, Name FROM RelationTypes ORDER BY ID")).toEqual(referenceData.relationTypes);
      expect(await rows("SELECT ID, Name FROM RequestTypes ORDER BY ID")).toEqual(referenceData.requestTypes);
    } finally {
      await connection.end();
    }
  });

  it("refuses a database that already has tables", async () => {
    db = await createScratchDatabase("schema_create_twice");
    await createSchema(db.url, { referenceData: false });
    await expect(createSchema(db.url, { referenceData: false })).rejects.toThrow(
      `database ${db.name} already has 30 tables; db:create only fills an empty database`,
    );
    const cli = await runCli("tools/cli/db-create.ts", [db.url]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`db:create: database ${db.name} already has 30 tables`);
    expect(cli.stderr).not.toMatch(/^\s+at /m);
  });
});
