/**
 * The page /rpc shows without a `type` parameter. The legacy site served its
 * asciidoc-generated manual here; this is the same information, written for this service.
 */
export const RPC_DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AUR RPC interface</title>
<style>
body { font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; padding: 0 1em; }
code, pre { background: #f4f4f4; padding: 0 .2em; }
pre { padding: .5em; overflow-x: auto; }
</style>
</head>
<body>
<h1>AUR RPC interface</h1>
<p>The RPC interface answers queries about AUR packages in JSON. Every request is a GET to
<code>/rpc</code> with these query parameters:</p>
<ul>
<li><code>v</code>: the API version, 1 to 5 (5 is current; without it, 1).</li>
<li><code>type</code>: <code>info</code>, <code>multiinfo</code>, <code>search</code>, <code>msearch</code>,
<code>suggest</code> or <code>suggest-pkgbase</code>.</li>
<li><code>arg</code> (or <code>arg[]</code>, repeated, for several packages): the argument.</li>
<li><code>by</code>, for <code>search</code>: <code>name</code>, <code>name-desc</code> (the default),
<code>maintainer</code>, <code>depends</code>, <code>makedepends</code>, <code>optdepends</code> or
<code>checkdepends</code>.</li>
<li><code>callback</code>: wraps the answer in a JavaScript function call (JSONP).</li>
</ul>
<h2>Examples</h2>
<pre>/rpc/?v=5&amp;type=search&amp;arg=foobar
/rpc/?v=5&amp;type=search&amp;by=maintainer&amp;arg=john
/rpc/?v=5&amp;type=search&amp;by=depends&amp;arg=python
/rpc/?v=5&amp;type=info&amp;arg[]=foo&amp;arg[]=bar
/rpc/?v=5&amp;type=suggest&amp;arg=pyth</pre>
<h2>Answers</h2>
<p>Every answer has <code>version</code>, <code>type</code>, <code>resultcount</code> and
<code>results</code>. Searches return the package fields; <code>info</code> adds dependencies,
relations, groups, licenses and keywords. Errors have <code>type</code> <code>error</code> and the
message in <code>error</code>. Searches stop at the configured result limit with the error
"Too many package results.". Answers carry an <code>ETag</code>; send it back in
<code>If-None-Match</code> to get 304 when nothing changed.</p>
<p>The machine-readable description of the newer endpoints is at <a href="/rpc/openapi.json">/rpc/openapi.json</a>.</p>
</body>
</html>
`;
