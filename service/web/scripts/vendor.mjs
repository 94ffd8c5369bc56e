// Copies the browser libraries the map uses from node_modules into static/vendor/, with
// their licence, and writes static/vendor/manifest.json (version and SHA-256 of each file).
// Run by `make web` after `npm ci`; the result is committed, so a fresh clone needs no npm.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(web, "static", "vendor");

const packages = {
  leaflet: {
    license: "BSD-2-Clause",
    files: {
      "dist/leaflet.js": "leaflet.js",
      "dist/leaflet.css": "leaflet.css",
      "dist/images/layers.png": "images/layers.png",
      "dist/images/layers-2x.png": "images/layers-2x.png",
      "dist/images/marker-icon.png": "images/marker-icon.png",
      "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
      "dist/images/marker-shadow.png": "images/marker-shadow.png",
      LICENSE: "LICENSE",
    },
  },
};

const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const manifest = {};
rmSync(vendor, { recursive: true, force: true });
for (const [name, spec] of Object.entries(packages)) {
  const source = join(web, "node_modules", name);
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  const files = {};
  for (const [from, to] of Object.entries(spec.files)) {
    const target = join(vendor, name, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(source, from), target);
    files[to] = sha256(target);
  }
  manifest[name] = { version, license: spec.license, files };
}
writeFileSync(join(vendor, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendored: ${Object.entries(manifest).map(([n, m]) => `${n} ${m.version}`).join(", ")}`);
