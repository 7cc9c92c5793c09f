#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs one or all of them.
#
#   Fuzz/run.sh TARGET [SECONDS] [libFuzzer flags…]   # one harness, default 60 s
#   Fuzz/run.sh all [SECONDS] [libFuzzer flags…]      # every harness in turn, SECONDS each
#   Fuzz/run.sh build                                 # only build
#   Fuzz/run.sh list                                  # the harness names
#
# TARGET is one of: openmetrics selector scalars sealedchunk headchunk records gunicornlog
# logcheckpoint promql alerttemplate cloudwatchxml rulefiles alertmanager notifytemplate apirequest
# (see README.md).
# New interesting inputs go to Fuzz/.work/TARGET (not committed); the committed seeds in
# Fuzz/corpus/TARGET are read but never written. Crashing inputs land in Fuzz/crashes/TARGET/.
# Exits non-zero when a harness finds a crash. Reproduce one with
#   Fuzz/.build-fuzz/release/fuzz-TARGET Fuzz/crashes/TARGET/crash-…
#
# Environment: FUZZ_BUILD_DIR (default Fuzz/.build-fuzz), SWIFT (default swift),
# FUZZ_NO_BUILD=1 skips the build (e.g. to run several harnesses at once after `run.sh build`),
# FUZZ_JOBS=N runs N workers per harness (libFuzzer -fork), for longer campaigns.
set -euo pipefail

cd "$(dirname "$0")"
TARGETS=(openmetrics selector scalars sealedchunk headchunk records gunicornlog logcheckpoint promql alerttemplate cloudwatchxml rulefiles alertmanager notifytemplate apirequest)
SWIFT=${SWIFT:-swift}
BUILD_DIR=${FUZZ_BUILD_DIR:-.build-fuzz}

build() {
    [[ -n "${FUZZ_NO_BUILD:-}" ]] && return
    # -sanitize=fuzzer,address goes to every module (SondeCore and SondeStore too), so libFuzzer
    # sees their coverage and ASan checks their memory accesses; -enable-testing lets the records
    # harness `@testable import SondeStore`.
    "$SWIFT" build -c release --scratch-path "$BUILD_DIR" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
}

run() {
    local target=$1 seconds=$2
    shift 2
    local binary="$BUILD_DIR/release/fuzz-$target"
    local dict=()
    [[ -f "dict/$target.dict" ]] && dict=("-dict=dict/$target.dict")
    local fork=()
    [[ -n "${FUZZ_JOBS:-}" ]] && fork=("-fork=$FUZZ_JOBS" "-ignore_crashes=0")
    mkdir -p ".work/$target" "crashes/$target"
    echo "== fuzz-$target for ${seconds}s" >&2
    # The Swift runtime's own crash backtracer trips ASan (stack-buffer-underflow in memserver_read)
    # after a trap; libFuzzer prints the stack anyway.
    export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
    "$binary" ".work/$target" "corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="crashes/$target/" -print_final_stats=1 \
        ${dict[@]+"${dict[@]}"} ${fork[@]+"${fork[@]}"} "$@"
}

case "${1:-}" in
    build)
        build
        ;;
    list)
        printf '%s\n' "${TARGETS[@]}"
        ;;
    all)
        seconds=${2:-60}
        shift $(( $# >= 2 ? 2 : 1 ))
        build
        failed=()
        for target in "${TARGETS[@]}"; do
            run "$target" "$seconds" "$@" || failed+=("$target")
        done
        if (( ${#failed[@]} > 0 )); then
            echo "crashes found by: ${failed[*]} (inputs in Fuzz/crashes/)" >&2
            exit 1
        fi
        ;;
    "" | -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
    *)
        target=$1
        if [[ ! " ${TARGETS[*]} " =~ " $target " ]]; then
            echo "unknown target '$target'; one of: ${TARGETS[*]} (or all, build, list)" >&2
            exit 2
        fi
        seconds=${2:-60}
        shift $(( $# >= 2 ? 2 : 1 ))
        build
        run "$target" "$seconds" "$@"
        ;;
esac
