import type { AddressInfo } from "node:net";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig, type Config } from "../../src/config.js";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createHttpServer } from "../../src/server.js";

export interface RunningService {
  url: string;
  port: number;
  app: App;
  database: Database;
  close(): Promise<void>;
}

/** The real app over a real database on a real port, as `npm start` runs it. */
export async function startService(databaseUrl: string, overrides: Partial<Config> = {}): Promise<RunningService> {
  const config = defaultConfig({ RATE_LIMIT_REQUESTS: 0, REFRESH_INTERVAL_MS: 200, ...overrides, DATABASE_URL: databaseUrl });
  const database = createDatabase(databaseUrl, { poolSize: 4 });
  const app = createApp({ db: database, config });
  await app.deps.readModel.start();
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    database,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.deps.readModel.stop();
      await database.close();
    },
  };
}
