"""What the contract says about its services beyond messages: where each listens by default.

The port is the `fraud.v1.default_port` option on each service in `proto/`, so a service's own
listen setting and its callers' address settings take their defaults from one declaration.
"""

from __future__ import annotations

from fraud.v1 import options_pb2
from google.protobuf.descriptor import ServiceDescriptor


def default_port(service: ServiceDescriptor) -> int:
    options = service.GetOptions()
    if not options.HasExtension(options_pb2.default_port):
        raise LookupError(f"{service.full_name} declares no (fraud.v1.default_port) in proto/")
    return int(options.Extensions[options_pb2.default_port])


def listen_address(service: ServiceDescriptor) -> str:
    """Every interface, the service's default port: what a container binds."""
    return f"0.0.0.0:{default_port(service)}"


def local_address(service: ServiceDescriptor) -> str:
    """The service on this machine, at its default port: what a caller dials unless told otherwise."""
    return f"127.0.0.1:{default_port(service)}"
