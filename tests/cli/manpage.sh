#!/usr/bin/env bash
# The man page written at build time holds every command's help. Usage: manpage.sh MBUS_SIM MAN_PAGE
set -euo pipefail
sim=$1
page=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -s "$page" ] || fail "$page is missing or empty"
head -1 "$page" | grep -q '^\.TH MBUS-SIM 1' || fail "no .TH line"
for cmd in $("$sim" --help | sed -n '/^Subcommands:/,$s/^  \([a-z][a-z-]*\) .*/\1/p'); do
    grep -q "^\.SH MBUS-SIM ${cmd^^}\$" "$page" || fail "no section for $cmd"
done
grep -q -- '--state' "$page" || fail "run's --state is not in the page"
if command -v man >/dev/null; then
    MANWIDTH=100 man -l "$page" 2>&1 | grep -q 'Usage: mbus-sim run' || fail "man cannot render it"
fi
echo "man page: every command's help"
