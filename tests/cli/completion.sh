#!/usr/bin/env bash
# The bash completion as bash runs it: commands from `mbus-sim --help`, a command's options from its
# own --help. Usage: completion.sh MBUS_SIM COMPLETION_FILE
set -euo pipefail
sim=$1
# shellcheck source=/dev/null
source "$2"
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _mbus_sim
    echo "${COMPREPLY[*]}"
}
fail() { echo "FAIL: $*" >&2; exit 1; }
got=$(complete_words "$sim" r)
[[ " $got " == *" run "* && " $got " == *" read "* ]] || fail "'r' completed to '$got', not run and read"
got=$(complete_words "$sim" run --st)
[ "$got" = "--state" ] || fail "'run --st' completed to '$got'"
got=$(complete_words "$sim" test --ju)
[ "$got" = "--junit" ] || fail "'test --ju' completed to '$got'"
echo "completion: commands and options as --help lists them"
