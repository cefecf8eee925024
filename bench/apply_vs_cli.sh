#!/usr/bin/env bash
# Provisioning speed, side by side: `onramp apply` against the AWS CLI script
# that `onramp export --format cli` writes for the same answers, on one local
# moto server, each round on a freshly reset moto warmed with two IAM calls.
# Prints the median wall time of each, the ratio, and the IAM calls each made
# against the minimum the plan needs. Optionally (CFN=1) a CloudFormation
# stack create of the exported template on the same server, for comparison.
#
#   bash bench/apply_vs_cli.sh                 # 5 rounds of examples/everything.toml
#   ROUNDS=11 ANSWERS=examples/genomics.toml bash bench/apply_vs_cli.sh
#   ONRAMP=/path/to/onramp bash bench/apply_vs_cli.sh   # measure that binary
#
# Needs .venv/ with moto and the AWS CLI: run `bash .ci/run` once. Everything
# goes to 127.0.0.1; nothing is sent to AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-5}"
ANSWERS="${ANSWERS:-examples/everything.toml}"
CFN="${CFN:-1}"
# shellcheck source=bench/lib.sh
. bench/lib.sh

start_moto
export AWS_ENDPOINT_URL="$MOTO"

# The script's `aws` is a shim that records each call, then runs the real CLI.
mkdir -p "$WORK/shim"
cat >"$WORK/shim/aws" <<SHIM
#!/usr/bin/env bash
printf '%s %s\n' "\$1" "\$2" >>"\$AWS_CALLS"
exec "$AWS" "\$@"
SHIM
chmod +x "$WORK/shim/aws"

now() { "$PY" -c 'import time; print(time.monotonic())'; }

"$ONRAMP" export --answers "$ANSWERS" --format cli --out "$WORK/onramp.sh" >/dev/null
"$ONRAMP" export --answers "$ANSWERS" --format cloudformation --out "$WORK/onramp.cfn.yaml" >/dev/null
"$ONRAMP" plan --answers "$ANSWERS" --format json >"$WORK/plan.json"

: >"$WORK/times"
for round in $(seq "$ROUNDS"); do
    fresh_account
    start="$(now)"
    "$ONRAMP" apply --answers "$ANSWERS" --yes --journal "$WORK/j-$round.jsonl" \
        --log-file "$WORK/onramp-$round.log" >"$WORK/apply-$round.out"
    end="$(now)"
    echo "onramp $start $end" >>"$WORK/times"

    fresh_account
    start="$(now)"
    AWS_CALLS="$WORK/aws-calls-$round" PATH="$WORK/shim:$PATH" bash "$WORK/onramp.sh" >"$WORK/script-$round.out"
    end="$(now)"
    echo "script $start $end" >>"$WORK/times"

    if [ "$CFN" = 1 ]; then
        fresh_account
        start="$(now)"
        cfn_create_and_wait "onramp-$round" "$WORK/onramp.cfn.yaml"
        end="$(now)"
        echo "cloudformation $start $end" >>"$WORK/times"
    fi
    echo "round $round of $ROUNDS done" >&2
done

"$PY" - "$WORK" "$ROUNDS" "$ANSWERS" <<'PY'
import json, re, statistics, sys
from collections import Counter

work, rounds, answers = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times = {}
for line in open(f"{work}/times"):
    tool, start, end = line.split()
    times.setdefault(tool, []).append(float(end) - float(start))

plan = json.load(open(f"{work}/plan.json"))
resources = plan["resources"]
links = sum(len(r.get("managed_policy_arns", [])) + len(r.get("roles", [])) for r in resources)
min_mutating = len(resources) + links

def is_read(action):
    return re.match(r"(Get|List)", action) is not None

# onramp: one log line per IAM request sent (attempts included).
onramp = Counter()
for line in open(f"{work}/onramp-1.log"):
    m = re.search(r"iam request action=(\w+)", line)
    if m:
        onramp["read" if is_read(m.group(1)) else "mutating"] += 1
# The script: one line per `aws SERVICE COMMAND`.
script = Counter()
for line in open(f"{work}/aws-calls-1"):
    service, command = line.split()
    if service != "iam":
        script["other"] += 1
    else:
        script["read" if command.startswith(("get-", "list-")) else "mutating"] += 1

def ms(xs):
    return f"{statistics.median(xs) * 1000:8.0f} ms"

print(f"\n{answers}: {len(resources)} planned resources, {links} attachments and profile roles;")
print(f"minimum IAM calls: {min_mutating} mutating, at most {len(resources)} reads (one per resource)")
print(f"median wall time over {rounds} rounds, each on a freshly reset moto:\n")
print(f"  {'tool':<16}{'median':>11}{'min':>11}{'max':>11}   IAM calls (mutating + reads)")
rows = [("onramp apply", "onramp", onramp), ("AWS CLI script", "script", script)]
if "cloudformation" in times:
    rows.append(("CloudFormation", "cloudformation", None))
for name, key, calls in rows:
    xs = times[key]
    detail = ""
    if calls is not None:
        detail = f"{calls['mutating']} + {calls['read']}"
        if calls.get("other"):
            detail += f" (+{calls['other']} STS)"
    print(f"  {name:<16}{ms(xs)}{ms([min(xs)])}{ms([max(xs)])}   {detail}")
ratio = statistics.median(times["script"]) / statistics.median(times["onramp"])
print(f"\nonramp apply is {ratio:.1f}x faster than the AWS CLI script")
if "cloudformation" in times:
    cf = statistics.median(times["cloudformation"]) / statistics.median(times["onramp"])
    print(f"onramp apply is {cf:.1f}x faster than a CloudFormation stack create on moto")
PY
