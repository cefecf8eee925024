# shellcheck shell=bash
# What the benchmarks in bench/ share, sourced by each (not run on its own):
# the tools they need from .venv/, a work folder removed on exit, the same
# isolated AWS environment for every tool, a local moto on a free loopback
# port, and a fresh account for each round (bench/fresh_account.py).
# Everything goes to 127.0.0.1; nothing is sent to AWS.

VENV=.venv
for tool in moto_server aws python; do
    if [ ! -x "$VENV/bin/$tool" ]; then
        echo "$VENV/bin/$tool is missing: run bash .ci/run once" >&2
        exit 1
    fi
done
PY="$PWD/$VENV/bin/python"
AWS="$PWD/$VENV/bin/aws"

# The onramp measured: $ONRAMP if given, else this checkout's release build.
if [ -z "${ONRAMP:-}" ]; then
    cargo build --release --quiet
    ONRAMP="$PWD/target/release/onramp"
fi

# The work folder, and the processes to stop when the script ends.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/onramp-bench.XXXXXX")"
BENCH_PIDS=()
bench_cleanup() {
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The same isolated environment for every tool: moto's default account
# (123456789012, the examples' account), no profile files, no IMDS.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE="$WORK/no-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/no-credentials"
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN HTTP_PROXY HTTPS_PROXY http_proxy https_proxy

# A free loopback port.
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers, or fails with LOG if the process PID has ended.
wait_for() {
    local url="$1" pid="$2" log="$3"
    for _ in $(seq 120); do
        if "$PY" -c "import urllib.request; urllib.request.urlopen('$url', timeout=1)" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$log:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "no answer from $url" >&2
    return 1
}

# Starts moto (with AWS's managed policies) on a free port: sets MOTO_PORT
# and MOTO, the endpoint.
start_moto() {
    MOTO_PORT="$(free_port)"
    MOTO="http://127.0.0.1:$MOTO_PORT"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true "$PY" .ci/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" \
        </dev/null >"$WORK/moto.log" 2>&1 &
    BENCH_PIDS+=("$!")
    wait_for "$MOTO/moto-api/" "$!" "$WORK/moto.log"
}

# Creates the stack NAME from the template TEMPLATE with the AWS CLI, as a
# user would type it, and waits until CREATE_COMPLETE (polls every 0.05 s).
cfn_create_and_wait() {
    local name="$1" template="$2"
    "$AWS" cloudformation create-stack --stack-name "$name" \
        --template-body "file://$template" --capabilities CAPABILITY_NAMED_IAM >/dev/null
    until [ "$("$AWS" cloudformation describe-stacks --stack-name "$name" \
        --query 'Stacks[0].StackStatus' --output text)" = CREATE_COMPLETE ]; do
        sleep 0.05
    done
}

# A fresh account for ANSWERS on MOTO: reset, warmed, its boundary made.
fresh_account() {
    "$PY" bench/fresh_account.py "$MOTO" "$ANSWERS"
}
