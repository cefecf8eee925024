"""A fresh account on a local moto, the same for every benchmark round.

Resets moto, warms it with two IAM calls (moto sets IAM up lazily, on the
first requests after a reset, and no timed tool should pay for that), and
creates what the answers assume exists: the everything example's permissions
boundary `lab-boundary`. Straight to moto, untimed.

    python bench/fresh_account.py http://127.0.0.1:PORT examples/everything.toml

or, from a Python client that is already running, `prepare(moto, answers,
iam)` with its IAM client.
"""

import sys
import urllib.request

BOUNDARY = "lab-boundary"
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def prepare(moto, answers, iam=None):
    """Resets moto at `moto` and prepares the account `answers` expects."""
    if iam is None:
        import boto3

        iam = boto3.client("iam", endpoint_url=moto)
    request = urllib.request.Request(f"{moto}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30)
    iam.list_roles()
    iam.list_roles()
    with open(answers) as f:
        if BOUNDARY in f.read():
            iam.create_policy(PolicyName=BOUNDARY, PolicyDocument=ALLOW_ALL)


if __name__ == "__main__":
    prepare(sys.argv[1], sys.argv[2])
