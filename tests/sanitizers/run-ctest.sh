#!/usr/bin/env bash
# Runs the ctest suite of a sanitizer build (make test-asan) and fails on any sanitizer report.
# Usage: tests/sanitizers/run-ctest.sh BUILD_DIR
#
# Every process started during the run (the test executables and the `tidings` binaries they spawn, which
# are sanitizer builds too) inherits the options below and writes its reports to BUILD_DIR/sanitizer-logs
# instead of stderr: a report from a child process whose stderr no test reads still fails the run.
set -uo pipefail
build_dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
logs="$build_dir/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"

# abort_on_error: a finding kills the process at once (the test fails, a child dies visibly).
# log_exe_name: report files are named sanitizer-logs/report.<executable>.<pid>.
common="log_path=$logs/report:log_exe_name=1:print_summary=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:$common"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:$common"

cd "$build_dir"
start=$(date +%s)
ctest --output-on-failure --timeout 900 -j 2
ctest_status=$?
echo "test-asan: ctest finished in $(( $(date +%s) - start )) s with status $ctest_status"

reports=("$logs"/report.*)
if [[ -e "${reports[0]}" ]]; then
    echo "test-asan: ${#reports[@]} sanitizer report(s):" >&2
    for report in "${reports[@]}"; do
        echo "==== ${report#"$build_dir"/}" >&2
        cat "$report" >&2
    done
    exit 1
fi
if [[ $ctest_status -ne 0 ]]; then
    exit "$ctest_status"
fi
echo "test-asan: no sanitizer reports"
