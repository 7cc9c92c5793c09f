#!/usr/bin/env bash
# Regenerates the committed seed corpora in Fuzz/corpus/ (only needed when a format changes):
# binary seeds come from the real encoders (Sources/seeds), OpenMetrics excerpts from the test
# fixture Tests/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz.
set -euo pipefail
cd "$(dirname "$0")"
./run.sh build
"${FUZZ_BUILD_DIR:-.build-fuzz}/release/fuzz-seeds" corpus

fixture=../Tests/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz
excerpt() { gzip -dc "$fixture" | sed -n "$1" || true; }
excerpt '1,12p' > corpus/openmetrics/hostdump-head
excerpt '5000,5010p' > corpus/openmetrics/hostdump-middle
{ excerpt '20150,$p'; } > corpus/openmetrics/hostdump-tail   # ends with "# EOF"
# The longest lines of distinct metrics, whose labels are the most varied.
gzip -dc "$fixture" | awk -F'{' '!seen[$1]++' | awk '{ print length, $0 }' | sort -rn | awk 'NR <= 4' | cut -d' ' -f2- > corpus/openmetrics/hostdump-long
echo "seeds in Fuzz/corpus/:" && ls corpus/*
