#!/usr/bin/env bash
# Install the Debian packages the project needs, and only those that are missing.
# Idempotent and fast when everything is there (one dpkg-query per package, no apt call).
#
#   postgresql          the throw-away test cluster (scripts/postgres.sh)
#   chromium            browser tests (Playwright drives /usr/bin/chromium; never `playwright install`)
#   fonts-noto-cjk      Chinese/Japanese/Korean glyphs for the browser and the PDFs
#   fonts-noto-core     Arabic, Devanagari, ... glyphs for the browser and the PDFs
#   libpango-1.0-0 libpangoft2-1.0-0  text layout for WeasyPrint (course certificates)
#   gettext             msgfmt compiles the translations; makemessages and a test use xgettext
#   openjdk-17-jre-headless  Java for local Spark (record linkage on Splink's Spark backend)
#   nodejs npm          only when npm is missing (vendoring front-end assets)
#   python3-venv        only when python3 is Debian's and cannot make a venv
set -euo pipefail

packages=(postgresql chromium fonts-noto-cjk fonts-noto-core fonts-wqy-microhei gettext openjdk-17-jre-headless
          libpango-1.0-0 libpangoft2-1.0-0)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "$(command -v python3 || true)" = /usr/bin/python3 ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    packages+=(python3-venv)
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | cut -c1-2)" = ii ]
}

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "== installing Debian packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo -E)
fi

mkdir -p .make
log=.make/apt.log
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
run() {
    if ! "$@" >>"$log" 2>&1 </dev/null; then
        echo "error: '$*' failed; last lines of $log:" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}
: >"$log"
echo "   apt-get update (log: $log)"
run "${sudo[@]}" apt-get "${apt_opts[@]}" update
echo "   apt-get install (log: $log)"
run "${sudo[@]}" apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"

for p in "${missing[@]}"; do
    installed "$p" || { echo "error: $p is still not installed (see $log)" >&2; exit 1; }
done
echo "   installed: ${missing[*]}"
