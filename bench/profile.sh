#!/bin/bash
# Instruction counts per request (intake) or per delivery (dispatch) under callgrind. Unlike wall-clock
# figures they repeat from run to run and do not depend on what else the machine is doing, so they show
# where the work goes and whether a change removed some.
#
#   bench/profile.sh intake   [BUILD_DIR] [SECONDS]     wrk -c8 against `serve` under callgrind
#   bench/profile.sh dispatch [BUILD_DIR] [DELIVERIES]  seeded deliveries drained into a 2-endpoint sink
#
# Prints the callgrind output file and the inclusive instruction counts of the main functions, divided by
# the number of requests or deliveries. Needs valgrind, wrk, curl and python3 (`scripts/install-deps.sh bench`
# plus valgrind).
set -euo pipefail

mode=${1:?usage: bench/profile.sh intake|dispatch [BUILD_DIR] [N]}
build=$(realpath "${2:-build}")
here=$(cd "$(dirname "$0")" && pwd)
tidings=$build/app/tidings
bench=$build/bench/tidings_bench
work=$(mktemp -d)
# The sink is a coproc, which `jobs -p` does not list: left running, it holds this script's stdout open and a
# caller reading the output through a pipe waits forever.
trap 'kill $(jobs -p) ${SINK_PID:-} 2>/dev/null || true; rm -rf "$work"' EXIT
out=$work/callgrind.out

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_for_port() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
        sleep 0.2
    done
    echo "serve did not start" >&2
    exit 1
}

per_unit() { # $1: count; prints the main functions' inclusive instructions per unit
    callgrind_annotate --inclusive=yes --auto=no "$out" 2>/dev/null | python3 -c '
import re, sys
count = int(sys.argv[1])
keep = re.compile(sys.argv[2])
seen = set()
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([\d. %]+\)\s+(.*)", line)
    if not m:
        continue
    name = m.group(2)
    if "PROGRAM TOTALS" in name or keep.search(name):
        fn = re.sub(r"\s*\[.*$", "", name.split(":", 1)[-1]) if ":" in name else name
        if fn in seen:
            continue
        seen.add(fn)
        value = int(m.group(1).replace(",", "")) / count
        print(f"{value:12.0f}  {fn[:110]}")
' "$1" "$2"
}

case $mode in
intake)
    seconds=${3:-20}
    "$tidings" --db "$work/i.db" webhook add --name elsewhere --url http://127.0.0.1:9/hook \
        --repository 'nomatch/*' >/dev/null
    port=$(free_port)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$tidings" --db "$work/i.db" serve \
        --listen "127.0.0.1:$port" >/dev/null 2>&1 &
    serve=$!
    wait_for_port "$port"
    python3 - "$here/data/push-manifest.json" "$work/post.lua" <<'EOF'
import json, sys
template = open(sys.argv[1]).read().replace("c23898ed-87ca-498e-8f04-277d89c31ee7", "EVENTID")
open(sys.argv[2], "w").write(f"""local template = {json.dumps(template)}
local counter = 0
local prefix = string.format("%d-%d", os.time(), math.random(1, 1000000000))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/vnd.docker.distribution.events.v2+json"
request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, (template:gsub("EVENTID", prefix .. "-" .. counter)))
end
""")
EOF
    wrk -t1 -c8 -d"${seconds}s" -s "$work/post.lua" "http://127.0.0.1:$port/v1/notify" >/dev/null
    kill -INT "$serve"
    wait "$serve" || true
    count=$(sqlite3 "$work/i.db" 'SELECT count(*) FROM events')
    echo "intake: $count requests (one event each); instructions per request:"
    per_unit "$count" 'NotificationIntake::flush|EnvelopeParser::parse|Store::insertEvent|Store::commit|HttpConnection::processInput|HttpResponse::serialize|QJsonDocument::fromJson|QSqlQuery::bindValue\(int'
    ;;
dispatch)
    count=${3:-2000}
    coproc SINK { "$bench" sink --endpoints 2; }
    read -r line <&"${SINK[0]}"
    read -r _ p1 p2 <<<"$line"
    "$bench" seed --db "$work/d.db" --ports "$p1,$p2" --pending "$count" --concurrency 6 >/dev/null
    valgrind --tool=callgrind --callgrind-out-file="$out" "$tidings" --db "$work/d.db" serve \
        --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
    serve=$!
    for _ in $(seq 1 1200); do
        received=$(curl -s "http://127.0.0.1:$p1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])')
        [ "$received" -ge "$count" ] && break
        if ! kill -0 "$serve" 2>/dev/null; then # it ended early: say why instead of waiting out the loop
            echo "serve exited after $received of $count deliveries; its output:" >&2
            tail -20 "$work/serve.log" >&2
            exit 1
        fi
        sleep 1
    done
    sleep 2 # the last attempts are written by the next round
    kill -INT "$serve"
    wait "$serve" || true
    echo "dispatch: $received deliveries; instructions per delivery:"
    per_unit "$count" 'DeliveryPoller::runRound|Dispatcher::dispatch\(|Dispatcher::writeFinished|Store::writeAttempt|Store::claimDue|Store::claimedFromRows|WebhookSignature::sign\(|QNetworkAccessManager::post\(QNetworkRequest const&, QByteArray|pairsToJson|QSqlQuery::bindValue\(int'
    ;;
*)
    echo "usage: bench/profile.sh intake|dispatch [BUILD_DIR] [N]" >&2
    exit 2
    ;;
esac
cp "$out" "$build/callgrind-$mode.out"
echo "callgrind output: $build/callgrind-$mode.out (callgrind_annotate --inclusive=yes it)"
