"""Domain errors. Domain code raises these; one interceptor maps them to gRPC status codes and the
edge maps gRPC codes to HTTP, so no servicer or route translates errors by hand."""

from __future__ import annotations

from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class FieldViolation:
    field: str  # dotted path, e.g. "transaction.amount.minor_units"
    rule: str  # protovalidate rule id, e.g. "int64.gt"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


class DomainError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: list[FieldViolation]):
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations))


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class Unavailable(DomainError):
    """A dependency (Kafka, PostgreSQL, a peer) failed; the caller may retry."""

    code = grpc.StatusCode.UNAVAILABLE


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(DomainError):
    """A write that expected a version the row has moved on from: the caller reads again and decides."""

    code = grpc.StatusCode.ABORTED


class Unauthenticated(DomainError):
    """No credential, or one that is unknown, revoked, expired or forged."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(DomainError):
    """A valid credential whose role the method or route does not allow."""

    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(DomainError):
    """A credential over its rate; it may try again after `retry_after_seconds`."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_seconds: float, limit: int = 0):
        self.retry_after_seconds = retry_after_seconds
        self.limit = limit  # calls per second allowed
        super().__init__(message)
