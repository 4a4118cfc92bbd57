#!/usr/bin/env bash
# Pre-flight before a real deployment (make deploy-check; README "Deploy").
#   1. sam validate --lint                       always (offline)
#   2. sam build                                 always (needs python3.13, not AWS); SKIP_BUILD=1 skips it
#   3. sam deploy --no-execute-changeset         only with AWS credentials, a region and STACK_NAME:
#      CloudFormation computes the change set (what would be created, changed, replaced) and stops there.
# Without credentials it says what it skipped and exits 0: the offline steps passed.
set -euo pipefail
cd "$(dirname "$0")/.."

SAM=${SAM:-.venv-sam/bin/sam}
SAM_PY=${SAM_PY:-.venv-sam/bin/python}
STACK_NAME=${STACK_NAME:-${AMT_STACK_NAME:-}}
export SAM_CLI_TELEMETRY=0

step() { printf '\n== %s\n' "$*"; }
skipped=()

step "sam validate --lint"
"$SAM" validate --lint

if [[ "${SKIP_BUILD:-0}" == 1 ]]; then
  skipped+=("sam build (SKIP_BUILD=1)")
else
  step "sam build"
  "$SAM" build
fi

step "AWS credentials"
# boto3 and the SAM CLI read AWS_DEFAULT_REGION; accept AWS_REGION too.
if [[ -z "${AWS_DEFAULT_REGION:-}" && -n "${AWS_REGION:-}" ]]; then export AWS_DEFAULT_REGION=$AWS_REGION; fi
# Ask STS who we are: the only way to know the credentials work (not merely exist).
# Exit 3: nothing to use (skip the AWS steps); any other failure: credentials that do not work (fail).
status=0
identity=$("$SAM_PY" - <<'EOF' 2>&1
import sys
import boto3
session = boto3.Session()
if session.get_credentials() is None:
    print("no AWS credentials (environment, profile, SSO or instance role)")
    sys.exit(3)
if not session.region_name:
    print("no AWS region: set AWS_REGION or a profile region")
    sys.exit(3)
who = session.client("sts").get_caller_identity()
print(f"account {who['Account']} as {who['Arn']} in {session.region_name}")
EOF
) || status=$?
if ((status == 3)); then
  echo "$identity"
  skipped+=("change-set dry run ($identity)")
elif ((status != 0)); then
  echo "AWS credentials found but they do not work:" >&2
  echo "${identity##*$'\n'}" >&2
  exit 1
else
  echo "$identity"
  if [[ -z "$STACK_NAME" ]]; then
    echo "STACK_NAME is not set: make deploy-check STACK_NAME=<your stack> (or AMT_STACK_NAME)" >&2
    exit 2
  fi
  step "change set for stack $STACK_NAME (not executed)"
  # Uploads the build to SAM's managed bucket and creates a change set; nothing is deployed.
  # A stack that does not exist yet stays in REVIEW_IN_PROGRESS until deployed or deleted.
  # shellcheck disable=SC2086  # DEPLOY_ARGS is a list of extra sam deploy arguments
  "$SAM" deploy --stack-name "$STACK_NAME" --no-execute-changeset --no-confirm-changeset \
    --no-fail-on-empty-changeset --resolve-s3 --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
    ${DEPLOY_ARGS:-}
fi

step "deploy-check done"
if ((${#skipped[@]})); then
  for what in "${skipped[@]}"; do echo "SKIPPED: $what"; done
else
  echo "every step ran"
fi
