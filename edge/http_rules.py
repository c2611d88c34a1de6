"""The REST routes the contract declares: each RPC's `google.api.http` annotation, read from the
generated descriptors at start-up. The edge registers exactly these paths and methods, so its
OpenAPI document and the gRPC contract cannot drift apart (grpc-gateway's idea, in-process)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import FileDescriptor

from fraudmesh.contract import SERVICE_FILES

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import MethodOptions
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor


_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# FastAPI understands "{name}"; the annotation syntax also allows "{name=pattern}", which we do not use.
_TEMPLATE_VARIABLE = re.compile(r"\{([^}]*)\}")
# googleapis' .pyi declares the extension as a plain FieldDescriptor; `Extensions[...]` and
# `HasExtension` are typed for the extension's options message and value, which the .proto says.
_HTTP = cast("_ExtensionFieldDescriptor[MethodOptions, http_pb2.HttpRule]", annotations_pb2.http)


@dataclass(frozen=True)
class HttpRule:
    grpc_method: str  # "fraud.v1.IngestService/SubmitTransaction"
    http_method: str  # "POST"
    path: str  # "/api/transactions/{transaction_id}"
    body: str  # "", "*" or the request field the body fills

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_TEMPLATE_VARIABLE.findall(self.path))


def _rule_from(grpc_method: str, rule: http_pb2.HttpRule) -> HttpRule:
    pattern = rule.WhichOneof("pattern")
    if pattern not in _HTTP_METHODS:
        raise ValueError(f"{grpc_method}: unsupported google.api.http pattern {pattern!r}")
    path = getattr(rule, pattern)
    for variable in _TEMPLATE_VARIABLE.findall(path):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", variable):
            raise ValueError(f"{grpc_method}: path variable {{{variable}}} is not a plain field name")
    if rule.additional_bindings:
        raise ValueError(f"{grpc_method}: additional_bindings are not supported")
    return HttpRule(grpc_method, pattern.upper(), path, rule.body)


def annotated_rules(files: Iterable[FileDescriptor] = SERVICE_FILES) -> list[HttpRule]:
    """Every RPC with a google.api.http option, in declaration order."""
    rules: list[HttpRule] = []
    for file in files:
        for service in file.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions()
                if options.HasExtension(_HTTP):
                    rule = options.Extensions[_HTTP]
                    rules.append(_rule_from(f"{service.full_name}/{method.name}", rule))
    return rules
