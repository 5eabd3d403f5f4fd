// drizzle-kit's view of the project: the schema in schema/ and the database named by
// DATABASE_URL (mysql://user:password@host:port/database). docs/schema.md says what
// drizzle-kit is, and is not, used for here.
import { defineConfig } from "drizzle-kit";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("set DATABASE_URL to the database drizzle-kit should use (mysql://user:password@host:port/database)");

export default defineConfig({
  dialect: "mysql",
  schema: "./schema/index.ts",
  out: "./drizzle",
  dbCredentials: { url },
});
