/**
 * The legacy info query (v1-4) pasted a numeric argument into `Packages.ID = ...` as it
 * came. idOfNumericLiteral() models how MariaDB reads that literal; here every literal is
 * put to the server itself, against an INT UNSIGNED key like Packages.ID.
 */
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNumeric } from "../../../src/php/numeric.js";
import { idOfNumericLiteral, REFUSED } from "../../../src/rpc/id-literal.js";
import { seededRandom } from "../../../src/seeded-random.js";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/database.js";

const IDS = [0, 5, 7, 10, 1391, 1_234_567_890, 4_294_967_295];

const zeros = (n: number) => "0".repeat(n);

/** Literals at the edges measured by hand: the DECIMAL's nine words, doubles, signs, spaces. */
const EDGES = [
  "1391", " 1391", "1391 ", "\t1391\n", "\v1391\f", "+1391", "-1391", "-0", "-0.0", "001391",
  "1391.0", "1391.", ".5e1", "1391.5", "1391.00000000000001",
  `1391.${zeros(71)}1`, `1391.${zeros(72)}1`, `1391.${zeros(72)}9`, `1390.${"9".repeat(73)}`,
  `0.${zeros(71)}1`, `0.${zeros(72)}1`, `.${zeros(79)}1`, `.${zeros(80)}1`, `00.${zeros(72)}1`,
  `1234567890.${zeros(62)}1`, `1234567890.${zeros(63)}1`, `${zeros(100)}1391`, `${zeros(100)}1391.${zeros(72)}1`,
  "9".repeat(90), `${"9".repeat(90)}.5`, "4294967295", "4294967295.0", "4294967296",
  "1e1", "1E1", "1.391e3", "1391.e0", "1391E+0", "13910e-1", "1391.0000000000001e0", "1391.5e0",
  "1e400", "-1e400", "1e308", "1e-400", "-0e0",
];

/** Numeric strings PHP's is_numeric accepts, aimed at the IDs above. */
function randomLiterals(count: number): string[] {
  const random = seededRandom(20261124);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const literals: string[] = [];
  while (literals.length < count) {
    const id = String(pick(IDS));
    const sign = pick(["", "", "+", "-"]);
    const integer = random() < 0.1 ? "" : zeros(pick([0, 0, 1, 3, 80])) + id;
    const fractionLength = pick([0, 1, 5, 40, 62, 63, 64, 71, 72, 73, 81, 90]);
    const fraction = Array.from({ length: fractionLength }, () => (random() < 0.97 ? "0" : String(1 + Math.floor(random() * 9)))).join("");
    const point = fractionLength > 0 || random() < 0.2 ? `.${fraction}` : "";
    const exponent = random() < 0.2 ? `${pick(["e", "E"])}${pick(["", "+", "-"])}${pick([0, 1, 3, 400])}` : "";
    const literal = `${sign}${integer}${point}${exponent}`;
    if (isNumeric(literal)) literals.push(literal);
  }
  return literals;
}

let db: ScratchDatabase;
let connection: mysql.Connection;

beforeAll(async () => {
  db = await createScratchDatabase("id_literal");
  connection = await mysql.createConnection(db.url);
  await connection.query("CREATE TABLE Packages (ID INT UNSIGNED NOT NULL PRIMARY KEY)");
  await connection.query("INSERT INTO Packages (ID) VALUES ?", [IDS.map((id) => [id])]);
});

afterAll(async () => {
  await connection?.end();
  await db?.drop();
});

/** What MariaDB selects with the literal pasted in, as the legacy query did. */
async function selected(literal: string): Promise<number[] | typeof REFUSED> {
  try {
    const [rows] = await connection.query(`SELECT ID FROM Packages WHERE Packages.ID = ${literal}`);
    return (rows as { ID: number }[]).map((r) => r.ID);
  } catch {
    return REFUSED;
  }
}

function modelled(literal: string): number[] | typeof REFUSED {
  const id = idOfNumericLiteral(literal);
  if (id === REFUSED) return REFUSED;
  return id !== null && IDS.includes(id) ? [id] : [];
}

describe("numeric package ID literals", () => {
  it("select what MariaDB selects, at the edges", async () => {
    for (const literal of EDGES) {
      expect(isNumeric(literal), JSON.stringify(literal)).toBe(true);
      expect(modelled(literal), JSON.stringify(literal)).toEqual(await selected(literal));
    }
  });

  it("select what MariaDB selects, for 600 drawn at random", async () => {
    const literals = randomLiterals(600);
    // The draw must reach both sides of the rules, or it shows nothing.
    const outcomes = await Promise.all(literals.map((l) => selected(l)));
    expect(outcomes.filter((o) => o !== REFUSED && o.length === 1).length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o !== REFUSED && o.length === 0).length).toBeGreaterThan(100);
    expect(outcomes).toContain(REFUSED);
    literals.forEach((literal, i) => expect(modelled(literal), literal).toEqual(outcomes[i]));
  });
});
