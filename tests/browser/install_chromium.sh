#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/browser), if it is missing and we can:
# as root or with passwordless sudo, on a system with apt-get. Otherwise say why and exit 0 (the
# browser tests then skip), or exit 1 if LABCODE_REQUIRE_BROWSER=1 (they would fail anyway).
set -u

CHROMIUM="${LABCODE_CHROMIUM:-/usr/bin/chromium}"

give_up() {
    echo "install_chromium.sh: $1" >&2
    echo "install_chromium.sh: the browser tests need chromium at $CHROMIUM: install Debian's" \
         "chromium (apt-get install chromium) or set LABCODE_CHROMIUM" >&2
    if [ "${LABCODE_REQUIRE_BROWSER:-}" = "1" ]; then
        exit 1
    fi
    exit 0
}

if command -v "$CHROMIUM" >/dev/null 2>&1; then
    echo "install_chromium.sh: chromium found: $(command -v "$CHROMIUM")"
    exit 0
fi
if [ -n "${LABCODE_CHROMIUM:-}" ] && [ "$CHROMIUM" != /usr/bin/chromium ]; then
    give_up "LABCODE_CHROMIUM=$CHROMIUM does not exist, and apt-get installs /usr/bin/chromium"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    give_up "no apt-get here, cannot install chromium"
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    give_up "not root and no passwordless sudo, cannot install chromium"
fi

export DEBIAN_FRONTEND=noninteractive
echo "install_chromium.sh: installing Debian's chromium (apt-get install -y chromium)"
if ! "${SUDO[@]}" apt-get install -y chromium; then
    echo "install_chromium.sh: install failed; updating the package lists and retrying"
    "${SUDO[@]}" apt-get update && "${SUDO[@]}" apt-get install -y chromium \
        || give_up "apt-get install -y chromium failed"
fi
if [ ! -x /usr/bin/chromium ]; then
    give_up "apt-get installed chromium, but /usr/bin/chromium is missing"
fi
echo "install_chromium.sh: installed $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
