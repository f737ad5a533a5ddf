#!/usr/bin/env bash
# Makes the README screenshot offscreen: a demo database, a local sink, a few real registry events.
# Usage: scripts/screenshot.sh [OUTPUT.png]   (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/images/console.png}
bin=build/app/tidings
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"

port=8765  # the console's default intake
"$bin" --db "$work/demo.db" webhook add --name deploy-bot --url "http://127.0.0.1:$port/v1/notify" >/dev/null
"$bin" --db "$work/demo.db" webhook add --name unreachable --url "http://127.0.0.1:9/hook" --max-attempts 1 >/dev/null
# The console's own intake doubles as the demo sink: Tidings delivering to itself shows both sides.
QT_QPA_PLATFORM=offscreen TIDINGS_SCREENSHOT="$out" TIDINGS_SCREENSHOT_DELAY_MS=4000 \
    "$bin" --db "$work/demo.db" console &
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:8765/" && break; sleep 0.1; done
for sample in tests/data/03-push-manifest.json tests/data/01-push-blob.json tests/data/08-delete-tag.json; do
    sed "s/\"id\": \"[0-9a-f-]*\",/\"id\": \"$(cat /proc/sys/kernel/random/uuid)\",/" "$sample" |
        curl -s -o /dev/null -H 'Content-Type: application/vnd.docker.distribution.events.v1+json' \
            --data-binary @- http://127.0.0.1:8765/v1/notify
done
wait
echo "wrote $out"
