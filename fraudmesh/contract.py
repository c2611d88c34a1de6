"""What the contract says about its services beyond messages: where each listens by default.

The port is the `fraud.v1.default_port` option on each service in `proto/`, so a service's own
listen setting and its callers' address settings take their defaults from one declaration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fraud.v1 import (
    access_service_pb2,
    case_service_pb2,
    ingest_service_pb2,
    notify_service_pb2,
    options_pb2,
    rule_service_pb2,
    scoring_service_pb2,
    store_service_pb2,
)
from google.protobuf.descriptor import FileDescriptor, ServiceDescriptor

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import ServiceOptions
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

# protoc's .pyi declares an extension as a plain FieldDescriptor; `Extensions[...]` and `HasExtension`
# are typed for the extension's options message and value, which the .proto says.
# Every file of the contract that declares services.
SERVICE_FILES: tuple[FileDescriptor, ...] = (
    ingest_service_pb2.DESCRIPTOR,
    scoring_service_pb2.DESCRIPTOR,
    store_service_pb2.DESCRIPTOR,
    notify_service_pb2.DESCRIPTOR,
    access_service_pb2.DESCRIPTOR,
    rule_service_pb2.DESCRIPTOR,
    case_service_pb2.DESCRIPTOR,
)

_DEFAULT_PORT = cast("_ExtensionFieldDescriptor[ServiceOptions, int]", options_pb2.default_port)


def default_port(service: ServiceDescriptor) -> int:
    options = service.GetOptions()
    if not options.HasExtension(_DEFAULT_PORT):
        raise LookupError(f"{service.full_name} declares no (fraud.v1.default_port) in proto/")
    return int(options.Extensions[_DEFAULT_PORT])


def listen_address(service: ServiceDescriptor) -> str:
    """Every interface, the service's default port: what a container binds."""
    return f"0.0.0.0:{default_port(service)}"


def local_address(service: ServiceDescriptor) -> str:
    """The service on this machine, at its default port: what a caller dials unless told otherwise."""
    return f"127.0.0.1:{default_port(service)}"
