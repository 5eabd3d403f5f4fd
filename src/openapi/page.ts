/**
 * A readable rendering of the OpenAPI description, built on the server: no scripts, no
 * styles or fonts from the internet, so it works on an offline mirror too.
 */

type Operation = {
  summary?: string;
  parameters?: { name: string; in: string; description?: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string }>;
};

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export function renderApiPage(document: {
  info: { title: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${escape(p.name)}</code> (${p.in})${p.description ? `: ${escape(p.description)}` : ""}</li>`)
        .join("");
      const body = op.requestBody ? `<p>Body: ${Object.keys(op.requestBody.content).map((t) => `<code>${escape(t)}</code>`).join(", ")}</p>` : "";
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><code>${status}</code>: ${escape(r.description)}</li>`)
        .join("");
      return `<section><h3><code>${method.toUpperCase()} ${escape(path)}</code></h3><p>${escape(op.summary ?? "")}</p>${params ? `<ul>${params}</ul>` : ""}${body}<ul>${responses}</ul></section>`;
    }),
  );
  const schemas = Object.entries(document.components.schemas)
    .map(([name, s]) => `<details><summary><code>${escape(name)}</code></summary><pre>${escape(JSON.stringify(s, null, 2))}</pre></details>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(document.info.title)}</title>
<style>
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
code, pre { background: #f4f4f4; }
pre { padding: .5em; overflow-x: auto; }
section { border-top: 1px solid #ddd; }
</style>
</head>
<body>
<h1>${escape(document.info.title)}</h1>
<p>${escape(document.info.description)}</p>
<p>Machine-readable: <a href="/rpc/openapi.json">/rpc/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Endpoints</h2>
${operations.join("\n")}
<h2>Schemas</h2>
${schemas}
</body>
</html>
`;
}
