"""Domain errors of the reference server. Handlers raise them; one handler renders them.

RestError        an application error: `{"error_code", "message"}` with the negotiated
                 JSON Content-Type (contract.md §3.1)
FrameworkError   what Jersey answers before a resource method runs (unknown path 404, 405,
                 negotiation 406): a JSON body but NO Content-Type header (§3.1)
PlainTextError   5.5's Jackson token errors: 400 with a text/plain body (§3.1)
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    status: int
    message: str


class RestError(DomainError):
    def __init__(self, status: int, error_code: int, message: str, content_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        # Set when the error is raised before negotiation has chosen a type (415).
        self.content_type = content_type


class FrameworkError(DomainError):
    MESSAGES: ClassVar[dict[int, str]] = {
        404: "HTTP 404 Not Found",
        405: "HTTP 405 Method Not Allowed",
        406: "HTTP 406 Not Acceptable",
    }

    def __init__(self, status: int) -> None:
        self.status = status
        self.message = self.MESSAGES.get(status, f"HTTP {status}")
        super().__init__(self.message)


class PlainTextError(DomainError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# The error vocabulary, declared once (contract.md §3.3). Texts are Confluent's.
def topic_not_found() -> RestError:
    return RestError(404, 40401, "Topic not found.")


def partition_not_found() -> RestError:
    return RestError(404, 40402, "Partition not found.")


def instance_not_found() -> RestError:
    return RestError(404, 40403, "Consumer instance not found.")


def unknown_topic_v2() -> RestError:
    # 7.5: rest-utils maps UnknownTopicOrPartitionException to 40403 on metadata GETs (§2.2 #2).
    return RestError(404, 40403, "This server does not host this topic-partition.")


def not_found_param() -> RestError:
    # A failed JAX-RS parameter conversion: 404/404, but rendered with the negotiated type (§3.2).
    return RestError(404, 404, "HTTP 404 Not Found")


def internal() -> RestError:
    return RestError(500, 500, "Internal Server Error")


def unrecognized(field: str) -> RestError:
    return RestError(422, 422, f"Unrecognized field: {field}")


def format_mismatch() -> RestError:
    return RestError(
        406,
        40601,
        "The requested embedded data format does not match the deserializer for this consumer instance",
    )


def illegal_state(detail: str) -> RestError:
    return RestError(409, 40903, f"Illegal state: {detail}")


def offset_out_of_range() -> RestError:
    return RestError(500, 50002, "Kafka error: Fetch response contains an error code: 1")
