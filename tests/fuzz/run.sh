#!/usr/bin/env bash
# Runs libFuzzer targets one after the other for a bounded time (make fuzz) and prints, per target, the
# executions, the coverage reached and the findings. Exits non-zero when any target found a crash, a leak,
# undefined behaviour, a broken invariant or a timeout.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...      (TARGET: http_parser, http_response, envelope, filter, intake_formats)
#
# Per target, under BUILD_DIR/fuzz/:
#   corpus/<target>/     the working corpus: grows across local runs (CI starts from the seeds each time)
#   seeds/<target>/      seeds made from the real samples in tests/data (HTTP requests carrying them)
#   artifacts/<target>/  crash-*, leak-*, timeout-*, oom-*: the inputs that failed; replay one with
#                        BUILD_DIR/tests/fuzz/fuzz_<target> FILE
#   <target>.log         libFuzzer's output
set -uo pipefail
if [[ $# -lt 3 ]]; then
    echo "usage: $0 BUILD_DIR SECONDS TARGET..." >&2
    exit 2
fi
build_dir=$(cd "$1" && pwd)
seconds=$2
shift 2
# libFuzzer reads -max_total_time=0 as "no limit": a bounded run needs at least one second.
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -lt 1 ]]; then
    echo "fuzz: SECONDS must be a whole number of seconds, at least 1 (got '$seconds')" >&2
    exit 2
fi
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
fuzz_dir="$build_dir/fuzz"
mkdir -p "$fuzz_dir"

# Seeds from the real registry envelopes: each one POSTed to /v1/notify, once with Content-Length and once
# chunked. The first byte is fuzz_http_parser's control byte: 'F' (default limits, pieces of up to
# 8 bytes) and 'P' (default limits, one byte at a time).
make_http_seeds() {
    local out="$fuzz_dir/seeds/http_parser" sample name length
    rm -rf "$out" && mkdir -p "$out"
    for sample in "$source_dir"/tests/data/*.json; do
        name=$(basename "$sample" .json)
        length=$(stat -c %s "$sample")
        {
            printf 'FPOST /v1/notify HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nAuthorization: Bearer t0ken\r\n'
            printf 'Content-Type: application/vnd.docker.distribution.events.v1+json\r\n'
            printf 'Content-Length: %d\r\n\r\n' "$length"
            cat "$sample"
        } >"$out/$name-length.http"
        {
            printf 'PPOST /v1/notify HTTP/1.1\r\nHost: 127.0.0.1:8765\r\n'
            printf 'Content-Type: application/vnd.docker.distribution.events.v1+json\r\n'
            printf 'Transfer-Encoding: chunked\r\n\r\n%x\r\n' "$length"
            cat "$sample"
            printf '\r\n0\r\n\r\n'
        } >"$out/$name-chunked.http"
    done
}

# One line per target from libFuzzer's final statistics and its last status line.
summarize() {
    local log=$1 name=$2 status=$3 seconds_taken=$4
    local execs cov ft corpus new findings
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
    findings=$(find "$fuzz_dir/artifacts/$name" -type f 2>/dev/null | wc -l)
    printf '%-12s %-6s %4ss  executions %-10s coverage %-6s features %-6s corpus %-12s new %-6s crashes %s\n' \
        "$name" "$status" "$seconds_taken" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "${new:-?}" \
        "$findings"
}

make_http_seeds
# -fno-sanitize-recover already makes undefined behaviour fatal; these add stack traces and leak checks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

summary=()
failed=0
passed_targets=0
failed_targets=0
for name in "$@"; do
    binary="$build_dir/tests/fuzz/fuzz_$name"
    if [[ ! -x "$binary" ]]; then
        echo "fuzz: $binary is missing (make fuzz-build)" >&2
        exit 2
    fi
    corpus="$fuzz_dir/corpus/$name"
    artifacts="$fuzz_dir/artifacts/$name"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [[ -d "$source_dir/tests/fuzz/corpus/$name" ]] && seeds+=("$source_dir/tests/fuzz/corpus/$name")
    [[ -d "$fuzz_dir/seeds/$name" ]] && seeds+=("$fuzz_dir/seeds/$name")
    [[ "$name" == envelope ]] && seeds+=("$source_dir/tests/data")
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
             -artifact_prefix="$artifacts/")
    [[ -f "$source_dir/tests/fuzz/$name.dict" ]] && options+=(-dict="$source_dir/tests/fuzz/$name.dict")

    log="$fuzz_dir/$name.log"
    echo "fuzz: $name for ${seconds}s (log: ${log#"$source_dir"/})"
    start=$(date +%s)
    "$binary" "${options[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1
    status=$?
    taken=$(( $(date +%s) - start ))
    if [[ $status -eq 0 ]]; then
        passed_targets=$((passed_targets + 1))
        summary+=("$(summarize "$log" "$name" ok "$taken")")
    else
        failed=1
        failed_targets=$((failed_targets + 1))
        summary+=("$(summarize "$log" "$name" FAILED "$taken")")
        echo "fuzz: $name FAILED (exit $status); the end of its log:" >&2
        tail -n 60 "$log" >&2
        find "$artifacts" -type f -printf 'fuzz: failing input: %p\n' >&2
    fi
done

echo
printf '%s\n' "${summary[@]}"
echo "fuzz: $passed_targets passed, $failed_targets failed"
exit $failed
