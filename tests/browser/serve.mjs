// A static file server for a built site, on a free loopback port: what a static host does
// (`/x/` serves `/x/index.html`, unknown paths get the site's 404 page), nothing more.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".geojson": "application/geo+json",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
};

function resolve(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null;
  }
  const full = path.normalize(path.join(root, rel));
  if (!full.startsWith(path.resolve(root))) return null;
  if (rel.endsWith("/")) return path.join(full, "index.html");
  return full;
}

/** Serves `root`; resolves to `{ origin, close() }`. */
export function serveSite(root) {
  const abs = path.resolve(root);
  const server = http.createServer((req, res) => {
    const file = resolve(abs, req.url || "/");
    fs.readFile(file || "", (err, body) => {
      if (err) {
        const notFound = path.join(abs, "404.html");
        res.writeHead(404, { "Content-Type": TYPES[".html"] });
        res.end(fs.existsSync(notFound) ? fs.readFileSync(notFound) : "");
        return;
      }
      res.writeHead(200, {
        "Content-Type": TYPES[path.extname(file)] || "application/octet-stream",
        "Content-Length": body.length,
      });
      res.end(body);
    });
  });
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ok({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
