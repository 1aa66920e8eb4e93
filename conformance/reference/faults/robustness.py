"""Robustness faults: a target that misbehaves at the transport level, or whose error answers
lose the error model on one endpoint only (an HTML page from a servlet container, a proxy's bare
text under a JSON label): §8 E1 and E4 hold for every answer, wherever it comes from."""

from __future__ import annotations

import re

from conformance.reference.faults.model import BOTH, Answer, Call, Fault, request_json

_TOPIC = re.compile(r"^/topics/[^/]+$")


async def _hang_topic_get(call: Call) -> Answer | None:
    if call.method == "GET" and _TOPIC.match(call.path):
        await call.hang()
        return Answer(504)  # never seen: the client has gone
    return None


# What Jetty's default error handler sends for an uncaught exception.
_JETTY_500 = (
    b'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n'
    b"<title>Error 500 Server Error</title>\n</head>\n<body><h2>HTTP ERROR 500</h2>\n"
    b"<p>Problem accessing the resource. Reason:\n<pre>    Server Error</pre></p>\n</body>\n</html>\n"
)
_HTML = {"content-type": "text/html;charset=iso-8859-1"}


def _html_500_on_reads(call: Call, answer: Answer) -> Answer:
    if call.route in ("consumer_read", "records"):
        return Answer(500, dict(_HTML), _JETTY_500)
    return answer


def _garbled_500_on_commit(call: Call, answer: Answer) -> Answer:
    # A gateway's plain text under the JSON label of the API it fronts.
    if call.route == "commit":
        return Answer(500, {"content-type": "application/json"}, b"Internal Server Error")
    return answer


async def _read_body(call: Call) -> Answer | None:
    return None  # a request hook makes the app keep the body in `call.body` for the hook below


def _html_500_on_spread_produce(call: Call, answer: Answer) -> Answer:
    # Subtle: only a batch whose records name two or more partitions takes the failing path.
    if call.route != "produce_topic":
        return answer
    body = request_json(call)
    records = body.get("records") if isinstance(body, dict) else None
    named = {
        r.get("partition") for r in records or [] if isinstance(r, dict) and r.get("partition") is not None
    }
    if len(named) >= 2:
        return Answer(500, dict(_HTML), _JETTY_500)
    return answer


FAULTS = (
    Fault(
        id="robustness-hang-topic-get",
        area="robustness",
        description="GET /topics/{t} never answers (the suite must time out, not hang)",
        versions=BOTH,
        rows=("M2",),
        caught_by=("META-002",),
        hooks={"request": _hang_topic_get},
    ),
    Fault(
        id="robustness-consumer-read-500-html",
        area="robustness",
        description="consumer reads (v1 consumer read, v2 records) fail with Jetty's HTML error page: "
        "500 text/html, no error body",
        versions=BOTH,
        rows=("E1",),
        caught_by=("ERR-008",),
        hooks={"response": _html_500_on_reads},
    ),
    Fault(
        id="robustness-commit-500-garbled-json",
        area="robustness",
        description="commits fail with 500 labelled application/json whose body is plain text",
        versions=BOTH,
        rows=("E4", "E1"),
        caught_by=("ERR-008",),
        hooks={"response": _garbled_500_on_commit},
    ),
    Fault(
        id="robustness-spread-produce-500-html",
        area="robustness",
        description="a topic produce whose records name two or more partitions fails with Jetty's HTML "
        "error page (500 text/html); single-partition batches work",
        versions=BOTH,
        rows=("E1", "P1"),
        caught_by=("ERR-008", "PROD-032"),
        subtle=True,
        hooks={"request": _read_body, "response": _html_500_on_spread_produce},
    ),
)
