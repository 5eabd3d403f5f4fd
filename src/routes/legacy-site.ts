/**
 * Every URL the legacy PHP site could have answered: /rpc and its aliases, and the 404s
 * for everything else, so a request that fell back from PHP still gets the legacy page.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { legacyRoute } from "../http/legacy-route.js";
import type { MaybePromise } from "../maybe-promise.js";
import { RPC_DOCS_PAGE } from "../pages/docs.js";
import { notFoundPage, PHP_FILE_NOT_FOUND } from "../pages/not-found.js";
import { BodyError } from "../http/read-body.js";
import { readFormText } from "../http/form.js";
import { MAX_INPUT_VARS, parseQueryString } from "../php/query-string.js";
import { formArguments, paramsFrom, type RpcParams } from "../rpc/params.js";
import { pageHeaders } from "../rpc/respond.js";
import { answerRpc, bodyRefused, send } from "./rpc-answer.js";

export function legacySiteRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.all("*", (c): MaybePromise<Response> => {
    const deps = c.env.deps;
    const target = c.env.target;
    const route = legacyRoute(target.path);

    if (route === "missing-php-script") {
      return send(c, { status: 404, headers: { "Content-Type": "text/html; charset=UTF-8" }, body: PHP_FILE_NOT_FOUND });
    }
    if (route === "not-found") {
      const year = new Date(deps.clock.now()).getUTCFullYear();
      return send(c, { status: 404, headers: pageHeaders(), body: notFoundPage(target.uri, year) });
    }

    // rpc.php refused every method but GET; today's clients also POST forms, which
    // current aurweb answers like the same parameters in a query string. Only a GET is a
    // request PHP answered, and only there may the profile keep PHP's rules (its
    // max_input_vars cut among them): today's aurweb reads every parameter.
    const answeredByPhp = c.req.method === "GET";
    const phpRules = answeredByPhp && deps.profile.keepsPhpRules;
    const values = parseQueryString(target.query, phpRules ? MAX_INPUT_VARS : Infinity);
    if (answeredByPhp) return rpcScript(c, paramsFrom(values), false, phpRules);
    if (c.req.method !== "POST") return send(c, { status: 405, headers: pageHeaders(), body: "" });
    return readFormText(c).then(
      (form) => {
        if (form === null) return rpcScript(c, paramsFrom(values), true, false);
        for (const [key, value] of parseQueryString(form, Infinity).entries) values.set(key, value);
        return rpcScript(c, paramsFrom(values, formArguments(form)), true, false);
      },
      (error: unknown) => {
        if (error instanceof BodyError) return bodyRefused(c, error);
        throw error;
      },
    );
  });

  return app;
}

/** rpc.php: its documentation where the profile shows it, the answer otherwise. */
function rpcScript(c: Context<AppEnv>, params: RpcParams, posted: boolean, phpRules: boolean): MaybePromise<Response> {
  if (c.env.deps.profile.showsDocs(params, posted)) return send(c, { status: 200, headers: pageHeaders(), body: RPC_DOCS_PAGE });
  return answerRpc(c, params, phpRules);
}
