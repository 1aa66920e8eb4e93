"""Authentication faults (contract.md §8.11). They matter only when the server has an API key.

The hooks never see the configured key. A fault that must tell a right key from a wrong one
learns it: any request the gate let through without an exemption carried the right key
(`_learn`), and the preflight's first request teaches it before any check runs.
"""

from __future__ import annotations

import json
import re

from conformance.reference.faults.model import BOTH, V2, Answer, Call, Fault

_GOOD = "auth-fault:good-token"
_WRITTEN = "auth-fault:refused-but-written"
_CONSUMER_READ = re.compile(r"/consumers/[^/]+/instances/[^/]+/(records|topics/[^/]+)")
_PRODUCE = re.compile(r"/topics/[^/]+(/partitions/[^/]+)?")
_INSTANCE = re.compile(r"/consumers/[^/]+/instances/[^/]+(/.*)?")


def _token(call: Call) -> str:
    return call.headers.get("x-auth-token", "")


async def _not_enforced(call: Call) -> Answer | None:
    call.auth_exempt = True
    return None


async def _any_token(call: Call) -> Answer | None:
    # Checks that a token is present, never what it is.
    if _token(call):
        call.auth_exempt = True
    return None


async def _reads_unprotected(call: Call) -> Answer | None:
    # The auth filter is mapped on every resource but the consumer read ones.
    if call.method == "GET" and _CONSUMER_READ.fullmatch(call.path):
        call.auth_exempt = True
    return None


def _error_not_json(call: Call, answer: Answer) -> Answer:
    # A framework default error page: plain text under the JSON label of the app.
    if answer.status == 401:
        answer.body = b"Unauthorized"
        answer.headers["content-type"] = "application/json"
    return answer


def _refusal_400(call: Call, answer: Answer) -> Answer:
    # Header validation runs before auth: a missing or bad token is a "bad request".
    if answer.status == 401:
        answer.status = 400
        answer.body = json.dumps({"error_code": 400, "message": "Invalid X-Auth-Token header"}).encode()
    return answer


async def _write_then_refuse(call: Call) -> Answer | None:
    # The produce handler runs first and the auth check runs on its answer: the record is
    # already in the log when the 401 goes out. Only produce, only a token not known good.
    good = call.shared.get(_GOOD)
    if call.method == "POST" and _PRODUCE.fullmatch(call.path) and good is not None and _token(call) != good:
        call.auth_exempt = True
        call.shared.setdefault(_WRITTEN, set()).add(id(call))
    return None


def _learn_then_refuse(call: Call, answer: Answer) -> Answer:
    written: set[int] = call.shared.setdefault(_WRITTEN, set())
    if id(call) in written:
        written.discard(id(call))
        body = {"error_code": 40101, "message": "Unauthorized: missing or invalid X-Auth-Token"}
        return Answer(
            401,
            {"content-type": answer.headers.get("content-type", "application/json")},
            json.dumps(body).encode(),
        )
    if answer.status != 401 and not call.auth_exempt:
        call.shared[_GOOD] = _token(call)
    return answer


def _good_token(call: Call) -> str | None:
    return call.shared.get(_GOOD)


def _learn(call: Call, answer: Answer) -> Answer:
    # A request the gate let through without an exemption carried the right key.
    if answer.status != 401 and not call.auth_exempt and "x-auth-token" in call.headers:
        call.shared[_GOOD] = _token(call)
    return answer


async def _prefix_compared(call: Call) -> Answer | None:
    # Compares only as many characters as the key has: the key with anything appended passes.
    good = _good_token(call)
    if good and _token(call).startswith(good):
        call.auth_exempt = True
    return None


async def _sent_length_compared(call: Call) -> Answer | None:
    # strncmp(sent, key, len(sent)): any non-empty beginning of the key passes.
    good, token = _good_token(call), _token(call)
    if good and token and good.startswith(token):
        call.auth_exempt = True
    return None


async def _empty_token_accepted(call: Call) -> Answer | None:
    # The filter tests for a missing header (null), not for an empty value.
    if "x-auth-token" in call.headers and not _token(call).strip():
        call.auth_exempt = True
    return None


async def _case_insensitive(call: Call) -> Answer | None:
    # The key is compared with equalsIgnoreCase, as if it were a header name.
    good = _good_token(call)
    if good and _token(call).lower() == good.lower():
        call.auth_exempt = True
    return None


async def _key_in_any_header(call: Call) -> Answer | None:
    # A compatibility shim looks for the key in every header value, not in X-Auth-Token only.
    good = _good_token(call)
    if good and any(v == good for k, v in call.headers.items() if k != "x-auth-token"):
        call.auth_exempt = True
    return None


async def _instances_unprotected(call: Call) -> Answer | None:
    # The auth filter is bound to the top-level resources only; the consumer-instance
    # sub-resources (read, commit, seek, assign, delete) are reached without it.
    if _INSTANCE.match(call.path):
        call.auth_exempt = True
    return None


_MEMBERSHIP = re.compile(r"/consumers/[^/]+/instances/[^/]+/(subscription|assignments)")


async def _membership_unprotected(call: Call) -> Answer | None:
    # The v2 subscription and assignment resources were added later and never got the filter.
    if _MEMBERSHIP.fullmatch(call.path):
        call.auth_exempt = True
    return None


FAULTS = (
    Fault(
        id="auth-token-not-enforced",
        area="auth",
        description="the API key is configured but requests without X-Auth-Token are served",
        versions=BOTH,
        rows=("U2m", "U2"),
        caught_by=("AUTH-002", "AUTH-003"),
        hooks={"request": _not_enforced},
    ),
    Fault(
        id="auth-any-token-accepted",
        area="auth",
        description="any non-empty X-Auth-Token is accepted; only a missing one is refused",
        versions=BOTH,
        rows=("U2m", "U2"),
        caught_by=("AUTH-002", "AUTH-003"),
        hooks={"request": _any_token},
    ),
    Fault(
        id="auth-consumer-reads-unprotected",
        area="auth",
        description="consumer reads (v1 consumer topic read, v2 records) are served without a valid "
        "token; every other endpoint is protected",
        versions=BOTH,
        rows=("U2m", "U2"),
        caught_by=("AUTH-002", "AUTH-003"),
        subtle=True,
        hooks={"request": _reads_unprotected},
    ),
    Fault(
        id="auth-error-not-json",
        area="auth",
        description="the 401 body is the plain text 'Unauthorized' under Content-Type application/json",
        versions=BOTH,
        rows=("E4",),
        caught_by=("AUTH-002",),
        hooks={"response": _error_not_json},
    ),
    Fault(
        id="auth-refusal-400",
        area="auth",
        description="a missing or wrong X-Auth-Token is answered 400/400 instead of 401 or 403",
        versions=BOTH,
        rows=("U2",),
        caught_by=("AUTH-003",),
        hooks={"response": _refusal_400},
    ),
    Fault(
        id="auth-refused-produce-written",
        area="auth",
        description="a produce with a missing or wrong token is answered 401 but the records are written "
        "(the check runs after the handler; only produce)",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-002", "AUTH-006"),
        subtle=True,
        hooks={"request": _write_then_refuse, "response": _learn_then_refuse},
    ),
    Fault(
        id="auth-token-prefix-compared",
        area="auth",
        description="only the first len(key) characters of X-Auth-Token are compared: the key with "
        "anything appended is accepted",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-006",),
        subtle=True,
        hooks={"request": _prefix_compared, "response": _learn},
    ),
    Fault(
        id="auth-token-sent-length-compared",
        area="auth",
        description="X-Auth-Token is compared over its own length only: any non-empty beginning of the "
        "key is accepted",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-006",),
        subtle=True,
        hooks={"request": _sent_length_compared, "response": _learn},
    ),
    Fault(
        id="auth-empty-token-accepted",
        area="auth",
        description="an X-Auth-Token header with an empty value is served; only a missing header is refused",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-006",),
        hooks={"request": _empty_token_accepted},
    ),
    Fault(
        id="auth-token-case-insensitive",
        area="auth",
        description="the key is compared ignoring letter case: the key in another case is accepted",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-006",),
        subtle=True,
        hooks={"request": _case_insensitive, "response": _learn},
    ),
    Fault(
        id="auth-token-any-header",
        area="auth",
        description="the key is accepted in any request header, not only in X-Auth-Token",
        versions=BOTH,
        rows=("U2m",),
        caught_by=("AUTH-006",),
        subtle=True,
        hooks={"request": _key_in_any_header, "response": _learn},
    ),
    Fault(
        id="auth-consumer-instances-unprotected",
        area="auth",
        description="every consumer-instance path (read, commit, seek, assign, delete) is served "
        "without a valid token; metadata, produce and consumer creation are protected",
        versions=BOTH,
        rows=("U2m", "U2"),
        caught_by=("AUTH-002", "AUTH-003", "AUTH-006"),
        hooks={"request": _instances_unprotected},
    ),
    Fault(
        id="auth-v2-membership-unprotected",
        area="auth",
        description="the v2 subscription and assignments resources (GET and POST) are served without a "
        "valid token; every other endpoint is protected",
        versions=V2,
        rows=("U2m", "U2"),
        caught_by=("AUTH-002", "AUTH-003", "AUTH-006"),
        subtle=True,
        hooks={"request": _membership_unprotected},
    ),
)
