#!/usr/bin/env bash
# Fuzzes the headset launch API of a running server with schemathesis, from the OpenAPI document
# the server itself serves (GET /api/v1/openapi.json, crates/server/src/launch/openapi.json).
#
#   MR_FUZZ_BASE=http://127.0.0.1:8080 MR_FUZZ_FIXTURE=/tmp/fixture.jsonl scripts/fuzz/run.sh
#
# Environment:
#   MR_FUZZ_BASE        server base URL (required), e.g. http://127.0.0.1:8080
#   MR_FUZZ_FIXTURE     JSON-lines accounts from `mr-server fixture launch` (required): the hooks
#                       sign a share of the requests with these keys (scripts/fuzz/hooks.py)
#   MR_FUZZ_EXAMPLES    generated cases per operation (default 300)
#   MR_FUZZ_SEED        seed (default 20240101), so a failing run can be repeated
#   MR_FUZZ_WORKERS     concurrent workers (default 1; >1 is faster but not reproducible)
#   MR_FUZZ_REPORT_DIR  if set, a JUnit report is written there
#   MR_FUZZ_SIGNED_RATIO, MR_FUZZ_REAL_IDS_RATIO: see hooks.py
#
# The server under test should run with RATE_LIMIT_IP_PER_MIN=0, RATE_LIMIT_OPERATOR_PER_MIN=0
# and ABUSE_LOCK=off: otherwise most requests only meet 429 or a locked operator (both
# documented, so the run still passes, but it tests little).
#
# Exits non-zero on any failed check (a 5xx, an undocumented status code, a response that does
# not match its schema, ...) or when schemathesis itself cannot run.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
VENV=${MR_FUZZ_VENV:-/var/tmp/mr-venv}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${MR_FUZZ_BASE:?set MR_FUZZ_BASE to the server base URL, e.g. http://127.0.0.1:8080}"
: "${MR_FUZZ_FIXTURE:?set MR_FUZZ_FIXTURE to the fixture accounts file (JSON lines)}"
if [[ ! -s "$MR_FUZZ_FIXTURE" ]]; then
  echo "run.sh: fixture file $MR_FUZZ_FIXTURE is missing or empty" >&2
  exit 2
fi
MR_FUZZ_FIXTURE="$(cd "$(dirname "$MR_FUZZ_FIXTURE")" && pwd)/$(basename "$MR_FUZZ_FIXTURE")"
BASE="${MR_FUZZ_BASE%/}"
EXAMPLES="${MR_FUZZ_EXAMPLES:-300}"
SEED="${MR_FUZZ_SEED:-20240101}"
WORKERS="${MR_FUZZ_WORKERS:-1}"

# The pinned schemathesis in its own venv (PyPI through pip, as on every machine of the project).
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $SCHEMATHESIS_VERSION"; then
  echo "run.sh: installing schemathesis $SCHEMATHESIS_VERSION into $VENV" >&2
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

export SCHEMATHESIS_HOOKS="$HERE/hooks.py"
export MR_FUZZ_FIXTURE
export MR_FUZZ_SEED="$SEED"
export MR_FUZZ_STATS="$WORK/stats.json"
# No prompts, no colour, no progress animation: this runs in CI.
export CI="${CI:-true}" NO_COLOR=1 PYTHONUNBUFFERED=1 PYTHONHASHSEED=0

cmd=(
  "$VENV/bin/schemathesis" --no-color run "$BASE/api/v1/openapi.json"
  --url "$BASE"
  --wait-for-schema 30
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing
  --mode all
  --max-examples "$EXAMPLES"
  --seed "$SEED"
  --workers "$WORKERS"
  --generation-database none
  --request-timeout 10
)
if [[ -n "${MR_FUZZ_REPORT_DIR:-}" ]]; then
  mkdir -p "$MR_FUZZ_REPORT_DIR"
  cmd+=(--report junit --report-dir "$(cd "$MR_FUZZ_REPORT_DIR" && pwd)")
fi
echo "run.sh: ${cmd[*]}" >&2

# Run from the empty work dir so no stray schemathesis.toml is picked up.
status=0
(cd "$WORK" && "${cmd[@]}") || status=$?

if [[ -s "$MR_FUZZ_STATS" ]]; then
  "$VENV/bin/python" - "$MR_FUZZ_STATS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"fuzz: {s['requests']} requests sent ({s['signed']} with valid signed headers); by status: "
      + ", ".join(f"{k}={v}" for k, v in s["by_status"].items()))
for key, n in s["by_operation"].items():
    print(f"  {n:6d}  {key}")
PY
else
  echo "fuzz: no request statistics (did schemathesis start?)" >&2
  [[ $status -ne 0 ]] || status=1
fi
if [[ $status -ne 0 ]]; then
  echo "fuzz: FAILED (schemathesis exit $status)" >&2
fi
exit "$status"
