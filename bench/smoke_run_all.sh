#!/usr/bin/env bash
# ctest bench.run_all_quick_surface: `bench/run-all --quick --only surface`
# prints the table (header and a surface row: numbers, or SKIP with a
# reason; with CI=true, numbers) and writes it as Markdown to --out.
#   bench/smoke_run_all.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: smoke_run_all.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/stdout"; echo "--- stderr"; cat "$tmp/stderr"; exit 1; }
"$here/run-all" "$build" --quick --only surface --out "$tmp/table.md" >"$tmp/stdout" 2>"$tmp/stderr" ||
  fail "run-all exited $?"
header='^row +size +ours +peer +peer/ours +ours MB +peer MB +note$'
grep -Eq "$header" "$tmp/stdout" || fail "no table header"
row=$(grep -E '^surface ' "$tmp/stdout") || fail "no surface row"
number='[0-9.]+ (s|ms|us)'
measured="^surface +[0-9]+files +$number +$number +[0-9.]+x +[0-9]+ +[0-9]+ +[^ ]"
if [[ $row =~ $measured ]]; then
  echo "measured: $row"
elif [[ $row == *"SKIP: "?* && ${CI:-} != true ]]; then
  echo "skipped (allowed outside CI): $row"
else
  fail "surface row is neither numbers nor a reasoned SKIP${CI:+ (CI=true needs numbers)}: $row"
fi
[[ $(wc -l <"$tmp/stdout") -eq 3 ]] || fail "expected the title, the header and one row"
grep -q '^| row ' "$tmp/table.md" && grep -q '^| surface ' "$tmp/table.md" || fail "no Markdown table in --out"
[[ -f $tmp/table.log ]] || fail "no log beside --out"
echo "run-all table format ok"
