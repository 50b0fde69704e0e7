#!/usr/bin/env bash
# Installs the editing interface's code into cms/ (never committed; see docs/editors-guide.md):
#   cms/node_modules/  decap-server (local editing) and smol-toml, exactly as cms/package-lock.json pins them;
#   cms/dist/          what `opora build` copies to /admin/vendor/ when [editors] cms = true:
#                      decap-cms's prebuilt script with its lazily loaded parts, and smol-toml.
# decap-cms is fetched with `npm pack` at the version in cms/package.json ("opora") and
# checked against the sha512 integrity pinned there before anything is unpacked.
# Safe to run again; does nothing when the pinned version is already in place.
set -euo pipefail
cd "$(dirname "$0")/../cms"

pin() { node -p "require('./package.json').opora.$1"; }
name=$(pin cms)
version=$(pin version)
integrity=$(pin integrity)

if [ -f dist/VERSION ] && [ "$(cat dist/VERSION)" = "$version" ] && [ -d node_modules/decap-server ] \
  && [ -f dist/decap-cms.js ] && [ -f dist/smol-toml/index.js ]; then
  echo "cms: $name $version already set up in cms/dist"
  exit 0
fi

npm ci --no-audit --no-fund --loglevel=error

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cms: fetching $name@$version from the npm registry"
tarball=$(npm pack "$name@$version" --pack-destination "$work" --silent --loglevel=error | tail -n 1)
actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 | tr -d '\n')"
if [ "$actual" != "$integrity" ]; then
  echo "cms: $name@$version does not match the integrity pinned in cms/package.json" >&2
  echo "  pinned:  $integrity" >&2
  echo "  fetched: $actual" >&2
  exit 1
fi
mkdir -p "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"

rm -rf dist.new
mkdir -p dist.new/smol-toml
# The script and the parts it loads on demand (N.decap-cms.js, *.wasm); not the
# source maps (90 MB) nor the duplicate cms.js build.
for f in "$work"/unpacked/package/dist/*; do
  case "$(basename "$f")" in
    *.map | cms.js | *.cms.js) ;;
    *) cp "$f" dist.new/ ;;
  esac
done
cp node_modules/smol-toml/dist/*.js dist.new/smol-toml/
cp node_modules/smol-toml/LICENSE dist.new/smol-toml/LICENSE
{
  echo "$name $version: MIT licence, https://github.com/decaporg/decap-cms"
  echo "smol-toml $(node -p "require('./node_modules/smol-toml/package.json').version"): BSD-3-Clause licence (smol-toml/LICENSE)"
} > dist.new/NOTICE
echo "$version" > dist.new/VERSION
rm -rf dist
mv dist.new dist
echo "cms: $name $version in cms/dist ($(du -sh dist | cut -f1)); opora build copies it to /admin/vendor/"
