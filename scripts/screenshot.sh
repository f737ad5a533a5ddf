#!/usr/bin/env bash
# Makes the README and docs/console.md screenshots offscreen: a demo database, a local sink, a few real
# registry events, one console run per screen.
# Usage: scripts/screenshot.sh [OUTPUT_DIR]   (after `make build`; default docs/images)
#   console.png         the Deliveries screen (the README's picture)
#   webhooks.png        the Webhooks screen
#   webhook-editor.png  the webhook editor dialog
#   events.png          the Events screen
#   settings.png        the Settings screen
#   dashboard.png       the Dashboard (with the re-enable box of the disabled webhook "retired")
#   console-dark.png    the Deliveries screen on a dark palette (TIDINGS_SCREENSHOT_PALETTE=dark)
#   dashboard-dark.png  the Dashboard on a dark palette
#   notification.png    the message bar when a webhook is disabled (a local stand-in answers 410 Gone)
#   receiver.png        the Receiver screen (adds a webhook pointing at it, so it comes last)
set -euo pipefail
cd "$(dirname "$0")/.."
outdir=${1:-docs/images}
bin=build/app/tidings
work=$(mktemp -d)
trap 'kill $(jobs -p) $(cat "$work/gone.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$outdir"

port=8765  # the console's default intake
"$bin" --db "$work/demo.db" webhook add --name deploy-bot --url "http://127.0.0.1:$port/v1/notify" \
    --generate-secret >/dev/null
"$bin" --db "$work/demo.db" webhook add --name unreachable --url "http://127.0.0.1:9/hook" --max-attempts 1 >/dev/null
"$bin" --db "$work/demo.db" webhook add --name prod-only --url "http://127.0.0.1:$port/v1/notify" \
    --repository 'prod/*' --tag 'v*' >/dev/null
# Disabled, as a 410 would leave it: the events of the runs below are what it misses (Dashboard).
"$bin" --db "$work/demo.db" webhook add --name retired --url "http://127.0.0.1:9/gone" --actions '*' >/dev/null
"$bin" --db "$work/demo.db" webhook disable retired --reason "the endpoint answered 410 Gone" >/dev/null

shoot() { # screen output [palette]
    # The console's own intake doubles as the demo sink: Tidings delivering to itself shows both sides.
    QT_QPA_PLATFORM=offscreen TIDINGS_SCREENSHOT="$2" TIDINGS_SCREENSHOT_SCREEN="$1" TIDINGS_SCREENSHOT_DELAY_MS=4000 \
        TIDINGS_SCREENSHOT_PALETTE="${3:-}" XDG_CONFIG_HOME="$work/config" "$bin" --db "$work/demo.db" console &
    local console=$!
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    for sample in tests/data/03-push-manifest.json tests/data/01-push-blob.json tests/data/08-delete-tag.json; do
        sed "s/\"id\": \"[0-9a-f-]*\",/\"id\": \"$(cat /proc/sys/kernel/random/uuid)\",/" "$sample" |
            curl -s -o /dev/null -H 'Content-Type: application/vnd.docker.distribution.events.v1+json' \
                --data-binary @- "http://127.0.0.1:$port/v1/notify"
    done
    wait "$console"
    echo "wrote $2"
}

shoot deliveries "$outdir/console.png"
shoot webhooks "$outdir/webhooks.png"
shoot webhook-editor "$outdir/webhook-editor.png"
shoot events "$outdir/events.png"
shoot settings "$outdir/settings.png"
shoot dashboard "$outdir/dashboard.png"
shoot deliveries "$outdir/console-dark.png" dark
shoot dashboard "$outdir/dashboard-dark.png" dark
# A receiver that answers every POST with 410 Gone: the webhook pointing at it is disabled during the run and
# the console shows its notification (offscreen has no system tray: the message bar above the screens).
python3 -c '
import http.server, os, sys
class Gone(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(410)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Gone)  # a free port, written for the script
open(sys.argv[2], "w").write(str(os.getpid()))  # python3 may run under a wrapper: the trap kills this one
open(sys.argv[1], "w").write(str(server.server_port))
server.serve_forever()
' "$work/gone.port" "$work/gone.pid" &
for _ in $(seq 50); do [ -s "$work/gone.port" ] && break; sleep 0.1; done
gone_port=$(cat "$work/gone.port")
"$bin" --db "$work/demo.db" webhook add --name old-ci --url "http://127.0.0.1:$gone_port/hook" >/dev/null
shoot deliveries "$outdir/notification.png"
"$bin" --db "$work/demo.db" webhook remove old-ci >/dev/null
shoot receiver "$outdir/receiver.png"
