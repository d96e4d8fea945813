#!/usr/bin/env bash
# Checks template.yaml with SAM's validator and with cfn-lint: each catches
# mistakes the other misses. Runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(scripts/tools.sh sam)
export SAM_CLI_TELEMETRY=0
"$tools/sam/bin/sam" validate --template template.yaml --region us-east-1
"$tools/sam/bin/sam" validate --lint --template template.yaml --region us-east-1
"$tools/sam/bin/cfn-lint" template.yaml
echo "template.yaml: sam validate, sam validate --lint and cfn-lint passed"
