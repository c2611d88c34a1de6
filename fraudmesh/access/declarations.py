"""Who may call what, read from the contract: the `(fraud.v1.access)` option on every RPC and the
`(fraud.v1.edge_routes)` the edge serves itself. The edge and every gRPC server enforce these same
declarations; a method or route without one is refused to everybody."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from fraud.v1 import edge_routes_pb2, options_pb2
from google.protobuf.descriptor import MethodDescriptor

from fraudmesh.contract import SERVICE_FILES

if TYPE_CHECKING:
    from google.protobuf.descriptor_pb2 import FileOptions, MethodOptions
    from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

_ACCESS = cast("_ExtensionFieldDescriptor[MethodOptions, options_pb2.Access]", options_pb2.access)
_EDGE_ROUTES = cast(
    "_ExtensionFieldDescriptor[FileOptions, RepeatedCompositeFieldContainer[options_pb2.EdgeRoute]]",
    options_pb2.edge_routes,
)

ROLES = ("viewer", "analyst", "admin", "service")
_ROLE_NAMES = {options_pb2.Role.Value(f"ROLE_{name.upper()}"): name for name in ROLES}

# gRPC's own services every server carries: probes and schema discovery need no credential.
STANDARD_PUBLIC_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = frozenset()
    public: bool = False
    # The services whose certificate may carry the service role here (empty: any); see `allows`.
    peers: frozenset[str] = frozenset()

    def allows(self, roles: frozenset[str], peer: str | None = None) -> bool:
        """Whether a caller holding `roles` may call. `peer` is the common name of the certificate
        the call came with over mutual TLS (None: no certificate, as on a server without TLS, where
        `peers` cannot be checked): with `peers` declared, the service role counts only from one of them."""
        if self.public:
            return True
        if self.peers and peer is not None and peer not in self.peers:
            return bool(self.roles & roles - {"service"})
        return not self.roles.isdisjoint(roles)  # no new set: asked on every call

    @classmethod
    def from_proto(cls, access: options_pb2.Access) -> Access:
        roles = frozenset(_ROLE_NAMES[role] for role in access.roles if role in _ROLE_NAMES)
        return cls(roles, access.public, frozenset(access.peers))


NOBODY = Access()
PUBLIC = Access(public=True)


def role_name(role: int) -> str:
    """The name of a `fraud.v1.Role` value ("" for ROLE_UNSPECIFIED)."""
    return _ROLE_NAMES.get(role, "")


def role_value(name: str) -> options_pb2.Role:
    return cast("options_pb2.Role", options_pb2.Role.Value(f"ROLE_{name.upper()}"))


def declared_access(method: MethodDescriptor) -> Access | None:
    options = method.GetOptions()
    if not options.HasExtension(_ACCESS):
        return None
    return Access.from_proto(options.Extensions[_ACCESS])


def grpc_methods() -> dict[str, MethodDescriptor]:
    """Every RPC of the contract by the path gRPC calls it by, `/fraud.v1.Service/Method`."""
    return {
        f"/{service.full_name}/{method.name}": method
        for file in SERVICE_FILES
        for service in file.services_by_name.values()
        for method in service.methods
    }


def method_access_table() -> dict[str, Access]:
    """Each contract RPC's declaration; an RPC without one is missing here, so refused to everybody."""
    table = {}
    for path, method in grpc_methods().items():
        access = declared_access(method)
        if access is not None:
            table[path] = access
    return table


def access_for_method(table: dict[str, Access], path: str) -> Access:
    service = path.strip("/").split("/", 1)[0]
    if service in STANDARD_PUBLIC_SERVICES:
        return PUBLIC
    return table.get(path, NOBODY)


def edge_route_table() -> dict[tuple[str, str], Access]:
    """The routes the edge serves without an RPC behind them, by (HTTP method or WEBSOCKET, path)."""
    options = edge_routes_pb2.DESCRIPTOR.GetOptions()
    return {(route.method, route.path): Access.from_proto(route.access) for route in options.Extensions[_EDGE_ROUTES]}
