import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { openApiDocument } from "../openapi/document.js";
import { renderApiPage } from "../openapi/page.js";

export function openApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const document = openApiDocument() as Parameters<typeof renderApiPage>[0];
  const page = renderApiPage(document);
  app.get("/rpc/openapi.json", (c) => c.json(document));
  app.get("/rpc/docs", (c) => c.html(page));
  return app;
}
