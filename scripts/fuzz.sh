#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), one at a time with one job (the
# machine's two cores are shared), seeded from fixtures/ (scripts/fuzz-seeds.py writes
# fuzz/seeds-generated/ first) and from the hand-made inputs no fixture holds (fuzz/seeds/).
# Prints one line per target: executions, seconds, new corpus size; exits non-zero on a crash
# (libFuzzer leaves the input in fuzz/artifacts/TARGET/; turn it into a regression test).
# Installs cargo-fuzz if missing. Uses the nightly toolchain when present, else the stable one
# with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
python3 ../scripts/fuzz-seeds.py seeds-generated
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "--- installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi
if cargo +nightly --version >/dev/null 2>&1; then
  FUZZ=(cargo +nightly fuzz)
else
  echo "--- no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  FUZZ=(cargo fuzz)
fi
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <("${FUZZ[@]}" list)

"${FUZZ[@]}" build --release >/dev/null
crashed=0
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target" "seeds/$target" "seeds-generated/$target"
  log=$(mktemp)
  rc=0
  "${FUZZ[@]}" run --release "$target" "corpus/$target" "seeds/$target" "seeds-generated/$target" -- \
    -jobs=1 -workers=1 -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || rc=$?
  runs=$(sed -n -E 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  secs=$(sed -n -E 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/p' "$log" | tail -n 1)
  units=$(find "corpus/$target" -type f | wc -l)
  if [ "$rc" != 0 ]; then
    crashed=$((crashed + 1))
    echo "fuzz $target: CRASH (exit $rc) after ${runs:-?} executions"
    grep -E "panicked|ERROR: |SUMMARY|Test unit written" "$log" | head -n 20 || true
  else
    echo "fuzz $target: ${runs:-?} executions in ${secs:-$SECONDS_EACH} s, 0 crashes, corpus $units"
  fi
  rm -f "$log"
done
[ "$crashed" -eq 0 ]
