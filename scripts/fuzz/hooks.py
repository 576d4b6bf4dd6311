"""Schemathesis hooks for fuzzing the headset launch API (crates/server/src/launch/openapi.json).

Written for schemathesis 4.32.5 (the version scripts/fuzz/run.sh pins). Loaded through the
`SCHEMATHESIS_HOOKS` environment variable, e.g.

    SCHEMATHESIS_HOOKS=scripts/fuzz/hooks.py schemathesis run http://127.0.0.1:8080/api/v1/openapi.json

Without valid credentials almost every generated request stops at the first header check
(401 INVALID_API_KEY), so for a fraction of the cases (MR_FUZZ_SIGNED_RATIO, default 0.7) the
`before_call` hook replaces the auth headers with VALID ones for an account of the fixture file
(`mr-server fixture launch` output, JSON lines with operator_id, api_key, site_id, app_code,
unit_price, min_players, max_players) and signs the request exactly as a headset does:

    X-Signature = base64(HMAC-SHA256(key = api_key, msg = f"{ts}\\n{METHOD}\\n{path}\\n" + raw body))

The remaining cases keep the fuzzer's own headers (forged requests).

To make the signed bytes equal the sent bytes, this module replaces schemathesis' JSON
serializer with a deterministic compact one (`canonical_json`); the hook then asks the transport
for the body it is about to send (`Case.as_transport_kwargs`) and signs those bytes, so whatever
body the case carries (objects, `null`, negative-mode values) the signature matches it. The same
serializer also renders the "Reproduce with: curl ..." commands, so they reproduce signed requests.

Environment:
  MR_FUZZ_FIXTURE        path of the JSON-lines fixture file (required for signed cases; without it
                         every case is sent as generated)
  MR_FUZZ_SIGNED_RATIO   fraction of cases sent with valid signed headers (default 0.7)
  MR_FUZZ_REAL_IDS_RATIO fraction of signed cases whose body gets the account's real site/app ids
                         (authorize) or a session id this run authorized (game end) (default 0.5)
  MR_FUZZ_SEED           seed of this module's own random choices (default 0)
  MR_FUZZ_STATS          if set, a JSON summary of the requests sent is written there at exit;
                         otherwise the summary is printed to stderr
"""

from __future__ import annotations

import atexit
import base64
import collections
import hashlib
import hmac
import json
import os
import random
import string
import sys
import threading
import time
from typing import Any

import schemathesis
from schemathesis.core import NotSet

AUTHORIZE_PATH = "/api/v1/auth/game/authorize"
GAME_END_PATH = "/api/v1/auth/game/end"
SIGNED_PATHS = {
    AUTHORIZE_PATH,
    GAME_END_PATH,
    "/api/v1/headset/verify",
    "/api/v1/headset/apps",
}
AUTH_HEADERS = ("X-Api-Key", "X-Timestamp", "X-Signature")
SESSION_HEADER = "X-Session-ID"
ALNUM = string.ascii_letters + string.digits


def _ratio(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {raw!r}")
    return value


SIGNED_RATIO = _ratio("MR_FUZZ_SIGNED_RATIO", 0.7)
REAL_IDS_RATIO = _ratio("MR_FUZZ_REAL_IDS_RATIO", 0.5)

_lock = threading.Lock()
_rng = random.Random(int(os.environ.get("MR_FUZZ_SEED", "0") or 0))


def _load_accounts() -> list[dict[str, Any]]:
    path = os.environ.get("MR_FUZZ_FIXTURE", "")
    if not path:
        print("hooks.py: MR_FUZZ_FIXTURE is not set; every case is sent unsigned", file=sys.stderr)
        return []
    accounts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            a = json.loads(line)
            for field in ("operator_id", "api_key", "site_id", "app_code"):
                if not isinstance(a.get(field), str) or not a[field]:
                    raise ValueError(f"{path}:{n}: fixture line lacks {field!r}")
            accounts.append(a)
    if not accounts:
        raise ValueError(f"{path}: no accounts in the fixture file")
    return accounts


ACCOUNTS = _load_accounts()

# Session ids this run got a 200 for, per operator: replayed (idempotent repeats) and ended.
_known_sessions: dict[str, list[str]] = collections.defaultdict(list)
# case.id -> (operator_id or None, signed?) for the request in flight.
_in_flight: dict[str, tuple[str | None, bool]] = {}
_stats: collections.Counter = collections.Counter()


# --- serialization ---------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The exact bytes sent (and signed) for a JSON body."""
    if isinstance(value, bytes):
        return value
    data = getattr(value, "data", None)  # schemathesis' Binary wrapper
    if isinstance(data, bytes) and not isinstance(value, (dict, list)):
        return data
    # `None` is a JSON `null` body; returning None here would drop the body instead.
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


@schemathesis.serializer("application/json", "text/json")
def _json_serializer(ctx: Any, value: Any) -> bytes:
    return canonical_json(value)


def _body_bytes(case: Any, kwargs: dict[str, Any]) -> bytes:
    """The raw body the transport is about to send for `case`."""
    if isinstance(case.body, NotSet):
        return b""
    base_url = kwargs.get("base_url") or case.operation.base_url or "http://127.0.0.1"
    data = case.as_transport_kwargs(base_url=base_url)
    body = data.get("data")
    if body is None and "json" in data:
        # Not expected (our serializer yields `data`), but never sign something other than what goes out.
        body = canonical_json(data["json"])
        kwargs["data"] = body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    raise TypeError(f"cannot sign a request body of type {type(body).__name__}")


# --- headers ---------------------------------------------------------------------------------


def sign(api_key: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    msg = f"{timestamp}\n{method}\n{path}\n".encode() + body
    return base64.b64encode(hmac.new(api_key.encode(), msg, hashlib.sha256).digest()).decode()


def _set_header(headers: Any, name: str, value: str) -> None:
    for key in list(headers.keys()):
        if key.lower() == name.lower():
            del headers[key]
    headers[name] = value


def _fresh_session_id(operator_id: str, now_ms: int) -> str:
    return f"{operator_id}_{now_ms:013d}_{''.join(_rng.choice(ALNUM) for _ in range(16))}"


def _tweak_body(case: Any, account: dict[str, Any]) -> None:
    """Point some signed bodies at real resources so they reach the charge and end paths."""
    body = case.body
    if not isinstance(body, dict) or _rng.random() >= REAL_IDS_RATIO:
        return
    body = dict(body)
    if case.path == AUTHORIZE_PATH:
        body["site_id"] = account["site_id"]
        body["app_id"] = account["app_code"]
        lo = int(account.get("min_players", 1))
        hi = int(account.get("max_players", 8))
        pick = _rng.random()
        if pick < 0.6:
            body["player_count"] = _rng.randint(lo, hi)
        elif pick < 0.8:
            body["player_count"] = _rng.choice((lo - 1, hi + 1))
        # else: keep the generated player_count
    elif case.path == GAME_END_PATH:
        known = _known_sessions.get(account["operator_id"])
        if not known:
            return
        body["session_id"] = _rng.choice(known)
        if _rng.random() < 0.3:
            body.pop("duration_seconds", None)
    case.body = body


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.path not in SIGNED_PATHS:
        return
    with _lock:
        if not ACCOUNTS or _rng.random() >= SIGNED_RATIO:
            _in_flight[case.id] = (None, False)
            return
        account = _rng.choice(ACCOUNTS)
        operator_id = account["operator_id"]
        _tweak_body(case, account)
        now = time.time()
        if case.headers is None:
            case.headers = {}
        headers = case.headers
        if case.path == AUTHORIZE_PATH:
            pick = _rng.random()
            known = _known_sessions.get(operator_id)
            if pick < 0.10 and known:
                # Re-send a session id that already launched: the idempotent repeat path.
                _set_header(headers, SESSION_HEADER, _rng.choice(known))
            elif pick < 0.25 and any(k.lower() == SESSION_HEADER.lower() for k in headers.keys()):
                pass  # keep the fuzzer's session id
            else:
                _set_header(headers, SESSION_HEADER, _fresh_session_id(operator_id, int(now * 1000)))
        timestamp = str(int(now))
        _set_header(headers, "X-Api-Key", account["api_key"])
        _set_header(headers, "X-Timestamp", timestamp)
        _in_flight[case.id] = (operator_id, True)
    # Serialize after every edit above, so the signed bytes are the sent bytes.
    body = _body_bytes(case, kwargs)
    method = str(case.method).upper()
    _set_header(headers, "X-Signature", sign(account["api_key"], timestamp, method, case.formatted_path, body))


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    with _lock:
        operator_id, signed = _in_flight.pop(case.id, (None, False))
        kind = "signed" if signed else "as-generated"
        _stats[f"{case.method.upper()} {case.path} {kind} {response.status_code}"] += 1
        if signed and case.path == AUTHORIZE_PATH and response.status_code == 200 and operator_id:
            try:
                session_id = json.loads(response.content)["session_id"]
            except (ValueError, KeyError, TypeError):
                return
            known = _known_sessions[operator_id]
            if session_id not in known:
                known.append(session_id)
                if len(known) > 50:
                    del known[0]


def _summary() -> dict[str, Any]:
    by_status: collections.Counter = collections.Counter()
    signed = 0
    for key, n in _stats.items():
        by_status[key.rsplit(" ", 1)[1]] += n
        if " signed " in key:
            signed += n
    return {
        "requests": sum(_stats.values()),
        "signed": signed,
        "by_status": dict(sorted(by_status.items())),
        "by_operation": dict(sorted(_stats.items())),
    }


@atexit.register
def _report() -> None:
    summary = _summary()
    path = os.environ.get("MR_FUZZ_STATS", "")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
    else:
        print(f"hooks.py: {json.dumps(summary)}", file=sys.stderr)
