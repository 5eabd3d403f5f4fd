// The dump reader on mysqldump output beyond the production dump, and on input it must refuse.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDumpFile, schemaFromDump } from "../../tools/schema-diff/from-dump.js";
import { editTable, productionDump, productionDumpPath } from "./support.js";

// mysqldump --no-data of a database with an Aria table, a trigger and a view (MariaDB 10.11).
const DUMP_WITH_TRIGGERS_AND_VIEWS = `/*M!999999\\- enable the sandbox mode */
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS \`a\`;
CREATE TABLE \`a\` (
  \`id\` int(10) unsigned NOT NULL AUTO_INCREMENT,
  \`n\` varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT 'it''s',
  \`ts\` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  PRIMARY KEY (\`id\`)
) ENGINE=Aria DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci PAGE_CHECKSUM=1;
CREATE TABLE \`b\` (
  \`id\` int(11) NOT NULL,
  \`j\` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(\`j\`)),
  KEY \`id\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='hello';
/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`127.0.0.1\`*/ /*!50003 TRIGGER tr BEFORE INSERT ON b FOR EACH ROW SET NEW.id = NEW.id + 1
*/;;
DELIMITER ;
/*!50001 DROP VIEW IF EXISTS \`v\`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=\`root\`@\`127.0.0.1\` SQL SECURITY DEFINER */
/*!50001 VIEW \`v\` AS select \`b\`.\`id\` AS \`id\` from \`b\` */;
`;

describe("schemaFromDump", () => {
  it("reads tables around triggers, views and Aria table options", () => {
    const { tables } = schemaFromDump(DUMP_WITH_TRIGGERS_AND_VIEWS);
    expect(tables.map((t) => [t.name, t.options.engine])).toEqual([
      ["a", "Aria"],
      ["b", "InnoDB"],
    ]);
    const [a, b] = tables;
    expect(a!.columns[1]).toEqual({
      name: "n",
      type: "varchar(10)",
      unsigned: false,
      nullable: true,
      default: "'it''s'",
      onUpdate: null,
      autoIncrement: false,
      charset: "latin1",
      collation: "latin1_swedish_ci",
    });
    expect(a!.columns[2]).toMatchObject({ default: "current_timestamp()", onUpdate: "current_timestamp()" });
    expect(b!.columns[1]).toMatchObject({ type: "longtext", charset: "utf8mb4", collation: "utf8mb4_bin", default: "NULL" });
    expect(b!.indexes).toEqual([{ name: "id", kind: "INDEX", columns: ["id"] }]);
  });

  it("names unnamed keys and foreign keys the way MariaDB does", () => {
    const { tables } = schemaFromDump(
      "CREATE TABLE t (a int, b int, KEY (a), KEY (a, b), UNIQUE (b), FOREIGN KEY (a) REFERENCES u (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
    );
    expect(tables[0]!.indexes.map((i) => i.name)).toEqual(["a", "a_2", "b"]);
    expect(tables[0]!.foreignKeys.map((f) => f.name)).toEqual(["t_ibfk_1"]);
  });
});

describe("readDumpFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "schema-dump-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a gzipped dump like the plain one", async () => {
    const file = path.join(dir, "structure.sql.gz");
    await writeFile(file, gzipSync(productionDump));
    expect(await readDumpFile(file)).toEqual(await readDumpFile(productionDumpPath));
  });

  it("names the file, line and column of a syntax error", async () => {
    const file = path.join(dir, "broken.sql");
    await writeFile(file, editTable(productionDump, "AcceptedTerms", "NOT NULL DEFAULT 0,", "NOT NULL DEFAULT ,"));
    await expect(readDumpFile(file)).rejects.toThrow(`${file}:29:48: expected a value, found ","`);
  });

  it("names the line where an unterminated string starts", async () => {
    const file = path.join(dir, "unterminated.sql");
    await writeFile(file, editTable(productionDump, "Users", "DEFAULT 'en'", "DEFAULT 'en"));
    await expect(readDumpFile(file)).rejects.toThrow(/unterminated\.sql:\d+:\d+: unterminated string/);
  });

  it("rejects a file without CREATE TABLE statements", async () => {
    const file = path.join(dir, "data-only.sql");
    await writeFile(file, "INSERT INTO Users (ID) VALUES (1);\n");
    await expect(readDumpFile(file)).rejects.toThrow(`${file}: contains no CREATE TABLE statement`);
  });

  it("says why a file cannot be read", async () => {
    await expect(readDumpFile(path.join(dir, "missing.sql"))).rejects.toThrow(/missing\.sql: no such file$/);
    await expect(readDumpFile(dir)).rejects.toThrow(`cannot read ${dir}: it is a directory`);
    const notGzip = path.join(dir, "fake.sql.gz");
    await writeFile(notGzip, "CREATE TABLE");
    await expect(readDumpFile(notGzip)).rejects.toThrow(`cannot read ${notGzip}: not a valid gzip file`);
  });
});
