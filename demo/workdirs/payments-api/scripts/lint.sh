#!/usr/bin/env bash
# Demo lint: every source file ends with a newline and has no tabs.
set -euo pipefail
status=0
for f in src/*; do
  if grep -q $'\t' "$f"; then echo "lint: $f contains a tab"; status=1; fi
  if [ -n "$(tail -c1 "$f")" ]; then echo "lint: $f lacks a final newline"; status=1; fi
  echo "lint: $f ok"
  sleep 0.2
done
exit $status
