#!/usr/bin/env bash
# Round trips on a simulated network: onramp's apply, status and destroy,
# and a CloudFormation stack create of the same plan, each measured through
# bench/latency_proxy.py, which delays every request to moto by DELAY ms and
# records how many requests were made and in how many rounds (the longest
# chain of requests each starting after the previous one ended). On a real
# network each round costs at least one round trip (IAM: 30-150 ms).
#
#   bash bench/round_trips.sh                          # DELAYS="0 50" ROUNDS=5
#   DELAYS="0 50 100" ROUNDS=3 bash bench/round_trips.sh
#   ONRAMP=/path/to/onramp bash bench/round_trips.sh   # measure that binary
#
# Without ONRAMP, the release build of this checkout is built and measured.
# Each round runs on a freshly reset moto, warmed with two IAM calls and given
# the permissions boundary the everything example names. Needs .venv/ with
# moto and the AWS CLI: run `bash .ci/run` once. Everything goes to
# 127.0.0.1; nothing is sent to AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
DELAYS="${DELAYS:-0 50}"
ANSWERS="${ANSWERS:-examples/everything.toml}"
CFN="${CFN:-1}"
# shellcheck source=bench/lib.sh
. bench/lib.sh

start_moto

"$PY" bench/latency_proxy.py --upstream-port "$MOTO_PORT" </dev/null >"$WORK/proxy.log" 2>&1 &
BENCH_PIDS+=("$!")
PROXY_PID=$!
for _ in $(seq 40); do
    grep -q '^listening' "$WORK/proxy.log" && break
    sleep 0.25
done
PROXY="http://127.0.0.1:$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/proxy.log")"
wait_for "$PROXY/__latency/stats" "$PROXY_PID" "$WORK/proxy.log"
# Every timed client goes through the proxy; set-up goes to moto directly.
export AWS_ENDPOINT_URL="$PROXY"

# GET (no method) or POST to the proxy's control path; prints the answer.
control() {
    "$PY" -c "import sys, urllib.request; print(urllib.request.urlopen(urllib.request.Request('$PROXY/__latency/$1', method='$2'), timeout=10).read().decode())"
}

# One result line: what, the delay, the round, the wall time and the proxy's
# stats for exactly that command.
record() {
    local what="$1" delay="$2" round="$3" start="$4" end="$5"
    printf '{"what": "%s", "delay": %s, "round": %s, "wall_ms": %s, "stats": %s}\n' \
        "$what" "$delay" "$round" "$("$PY" -c "print(round(($end - $start) * 1000, 1))")" \
        "$(control stats GET)" >>"$WORK/results.jsonl"
}

# Runs a timed command with its output in $WORK/NAME.out and .err; on a
# failure shows them and stops.
quiet() {
    local name="$1"
    shift
    if ! "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
        echo "failed: $*" >&2
        cat "$WORK/$name.out" "$WORK/$name.err" >&2
        exit 1
    fi
}

# Every change in the status JSON has this state (e.g. all unchanged).
expect_states() {
    "$PY" - "$1" "$2" <<'PY'
import json, sys
changes = json.load(open(sys.argv[1]))["changes"]
states = {c["state"] for c in changes}
if not changes or states != {sys.argv[2]}:
    sys.exit(f"expected every resource {sys.argv[2]}, got {sorted(states)}")
PY
}

"$ONRAMP" export --answers "$ANSWERS" --format cloudformation --out "$WORK/onramp.cfn.yaml" >/dev/null
: >"$WORK/results.jsonl"

for delay in $DELAYS; do
    control "delay?ms=$delay" POST >/dev/null
    for round in $(seq "$ROUNDS"); do
        journal="$WORK/j-$delay-$round.jsonl"
        fresh_account

        control reset POST >/dev/null
        start=$EPOCHREALTIME
        quiet apply "$ONRAMP" apply --answers "$ANSWERS" --yes --journal "$journal"
        end=$EPOCHREALTIME
        record "onramp apply" "$delay" "$round" "$start" "$end"

        control reset POST >/dev/null
        start=$EPOCHREALTIME
        quiet status "$ONRAMP" status --answers "$ANSWERS" --format json
        end=$EPOCHREALTIME
        record "onramp status (all exist)" "$delay" "$round" "$start" "$end"
        expect_states "$WORK/status.out" unchanged

        control reset POST >/dev/null
        start=$EPOCHREALTIME
        quiet destroy "$ONRAMP" destroy --journal "$journal" --yes
        end=$EPOCHREALTIME
        record "onramp destroy" "$delay" "$round" "$start" "$end"
        AWS_ENDPOINT_URL="$MOTO" quiet status "$ONRAMP" status --answers "$ANSWERS" --format json
        expect_states "$WORK/status.out" create

        if [ "$CFN" = 1 ]; then
            fresh_account
            control reset POST >/dev/null
            start=$EPOCHREALTIME
            cfn_create_and_wait "onramp-$round" "$WORK/onramp.cfn.yaml"
            end=$EPOCHREALTIME
            record "CloudFormation, AWS CLI" "$delay" "$round" "$start" "$end"
        fi
        echo "delay $delay ms: round $round of $ROUNDS done" >&2
    done

    if [ "$CFN" = 1 ]; then
        # The same stack create from a client that is already running: only
        # create_stack and the polls are timed, not Python's start-up.
        "$PY" - "$MOTO" "$PROXY" "$ANSWERS" "$WORK/onramp.cfn.yaml" "$delay" "$ROUNDS" >>"$WORK/results.jsonl" <<'PY'
import json, sys, time, urllib.request
import boto3
sys.path.insert(0, "bench")
from fresh_account import prepare
moto, proxy, answers, template, delay, rounds = sys.argv[1:7]
def post(url):
    return urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30).read()
iam = boto3.client("iam", endpoint_url=moto)
cfn = boto3.client("cloudformation", endpoint_url=proxy)
body = open(template).read()
cfn.list_stacks()  # loads the service model and opens the connection
for r in range(1, int(rounds) + 1):
    prepare(moto, answers, iam)
    post(f"{proxy}/__latency/reset")
    start = time.monotonic()
    cfn.create_stack(StackName=f"onramp-{r}", TemplateBody=body, Capabilities=["CAPABILITY_NAMED_IAM"])
    while cfn.describe_stacks(StackName=f"onramp-{r}")["Stacks"][0]["StackStatus"] != "CREATE_COMPLETE":
        time.sleep(0.05)
    wall = (time.monotonic() - start) * 1000
    stats = json.loads(urllib.request.urlopen(f"{proxy}/__latency/stats", timeout=10).read())
    print(json.dumps({"what": "CloudFormation, running boto3", "delay": int(delay), "round": r,
                      "wall_ms": round(wall, 1), "stats": stats}))
PY
    fi
done

"$PY" - "$WORK/results.jsonl" "$ROUNDS" "$ANSWERS" "$ONRAMP" <<'PY'
import json, statistics, sys

path, rounds, answers, onramp = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for line in open(path):
    r = json.loads(line)
    rows.setdefault((r["what"], r["delay"]), []).append(r)

def spread(xs):
    """One figure if every round agrees, else min-max."""
    lo, hi = min(xs), max(xs)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"

def ms(x):
    return f"{x:,.0f} ms"

print(f"\n{answers} through the latency proxy, {rounds} rounds, each on a freshly reset moto ({onramp})\n")
print("| command | delay | median | min | max | requests: mutating + reads | rounds | most in flight |")
print("|---|---|---|---|---|---|---|---|")
# Sorted by delay; within one, in the order measured.
for (what, delay), rs in sorted(rows.items(), key=lambda kv: kv[0][1]):
    walls = [r["wall_ms"] for r in rs]
    s = [r["stats"] for r in rs]
    requests = spread([x["requests"] for x in s])
    split = f"{spread([x['mutating'] for x in s])} + {spread([x['reads'] for x in s])}"
    print(f"| {what} | {delay} ms | {ms(statistics.median(walls))} | {ms(min(walls))} | {ms(max(walls))} "
          f"| {requests}: {split} | {spread([x['rounds'] for x in s])} | {spread([x['max_in_flight'] for x in s])} |")

print("\nrequests per action, first round at each delay:")
for (what, delay), rs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    if delay == min(d for _, d in rows):
        acts = ", ".join(f"{a} {n}" for a, n in rs[0]["stats"]["actions"].items())
        print(f"  {what}: {acts}")

# The requests that waited for one another: one longest chain, runs of the
# same action folded (GetRole x3).
print("\none longest chain of requests in sequence, first round at the largest delay:")
top = max(d for _, d in rows)
for (what, delay), rs in rows.items():
    if delay == top and what.startswith("onramp"):
        runs = []
        for action in rs[0]["stats"]["chain"]:
            if runs and runs[-1][0] == action:
                runs[-1][1] += 1
            else:
                runs.append([action, 1])
        chain = " → ".join(a if n == 1 else f"{a} x{n}" for a, n in runs)
        print(f"  {what} ({len(rs[0]['stats']['chain'])}): {chain}")
PY
