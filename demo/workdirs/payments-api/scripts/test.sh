#!/usr/bin/env bash
# Demo unit tests: the capture rules in src/rules.txt hold (each case: amount expected-result).
set -euo pipefail
pass=0
while read -r amount expected; do
  [ -z "$amount" ] && continue
  if [ "$amount" -gt 0 ] && [ "$amount" -le 100000 ]; then got=accept; else got=reject; fi
  if [ "$got" = "$expected" ]; then pass=$((pass + 1)); echo "ok   capture $amount -> $got"; else echo "FAIL capture $amount: want $expected, got $got"; exit 1; fi
  sleep 0.15
done < src/rules.txt
echo "$pass tests passed"
