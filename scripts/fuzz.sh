#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, own build tree) and runs each one for
# FUZZ_SECONDS from its seed corpus in fuzz/corpus/<target>/. New inputs go to
# <build>/corpus/<target>/ (the repository's seeds stay as they are); a crash leaves its
# input in <build>/artifacts/ and makes the script fail after the other targets ran.
# Usage: scripts/fuzz.sh [build-dir] [target...]
# Env: FUZZ_SECONDS (default 60); FUZZ_SEED (libFuzzer's -seed: the same mutations every
# run, so a crash in CI's short run is found again here); JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-fuzz}
shift || true
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(topic_fuzzer jwt_fuzzer jwks_fuzzer rpc_message_fuzzer certificate_username_fuzzer
           device_csr_fuzzer json_body_fuzzer config_fuzzer)
fi

cmake -S . -B "$build_dir" -DIOTHUB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build_dir" -j"${JOBS:-$(nproc)}" --target "${targets[@]}"

mkdir -p "$build_dir/artifacts"
failed=()
for target in "${targets[@]}"; do
  work="$build_dir/corpus/$target"
  mkdir -p "$work"
  log="$build_dir/$target.log"
  # -rss_limit_mb bounds memory per input; -timeout flags an input that hangs (slow path).
  if "$build_dir/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
      -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$target-" \
      "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
    # The last status line ("#12345 REDUCE cov: 812 ft: 2301 corp: 120/9Kb ...") and
    # the final stats' executions per second.
    status=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$log" | tail -1 |
               grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' || true)
    runs=$(grep -oE 'number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    rate=$(grep -oE 'average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    echo "fuzz: $target: $status runs: $runs exec/s: $rate"
  else
    echo "fuzz: $target FAILED (see $log):"
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$log" | head -8 || true
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}"
  exit 1
fi
