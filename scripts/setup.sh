#!/usr/bin/env bash
# Installs what mbus-sim needs from Debian's packages, and only what is missing.
# Runs as root, or through sudo. Safe to run again.
set -euo pipefail

packages=(build-essential cmake git pkg-config libboost1.81-dev libfmt-dev libtomlplusplus-dev doctest-dev
          libcli11-dev nlohmann-json3-dev libssl-dev clang clang-format libclang-rt-dev python3-serial
          jq) # jq: scripts/scan_bound.sh and scripts/doc_figures.sh read the scans' JSON

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
        echo "setup: not root and no sudo: run this script as root" >&2; exit 1
    fi
fi

# The web console's browser test (tests/browser): headless chromium driven through selenium.
packages+=(chromium chromium-driver python3-selenium)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all packages present"
    exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
# libboost1.81-dev conflicts with Debian 12's default libboost1.74-dev (pulled in by libboost-dev);
# apt removes the old headers when it installs the new ones, and says so.
if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "setup: libboost1.74-dev is installed; it will be replaced by libboost1.81-dev"
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
