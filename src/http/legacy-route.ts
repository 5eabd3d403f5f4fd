/**
 * Which legacy script a URL reached. The legacy nginx sent top-level `*.php` files to
 * php-fpm and everything else to index.php, whose router stripped trailing slashes and
 * included rpc.php for `/rpc`. nginx itself merged slashes and resolved dot segments.
 */

export type LegacyRoute = "rpc" | "missing-php-script" | "not-found";

/** The path as nginx matched it: percent-decoded, slashes merged, dot segments resolved. */
function normalisePath(rawPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  const segments: string[] = [];
  for (const segment of decoded.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = decoded.endsWith("/") || decoded.endsWith("/.") ? "/" : "";
  return "/" + segments.join("/") + (segments.length > 0 ? trailing : "");
}

export function legacyRoute(rawPath: string): LegacyRoute {
  // What every client sends, answered without decoding and splitting the path.
  if (rawPath === "/rpc/" || rawPath === "/rpc") return "rpc";
  const path = normalisePath(rawPath);
  const script = /^\/([^/]+\.php)(\/.*)?$/.exec(path);
  if (script) {
    if (script[1] === "rpc.php") return "rpc";
    if (script[1] !== "index.php") return "missing-php-script";
    return routeIndex(script[2] ?? "/");
  }
  return routeIndex(path);
}

function routeIndex(pathInfo: string): LegacyRoute {
  return pathInfo.replace(/\/+$/, "") === "/rpc" ? "rpc" : "not-found";
}
