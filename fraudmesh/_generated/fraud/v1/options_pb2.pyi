from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_VIEWER: _ClassVar[Role]
    ROLE_ANALYST: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_SERVICE: _ClassVar[Role]
ROLE_UNSPECIFIED: Role
ROLE_VIEWER: Role
ROLE_ANALYST: Role
ROLE_ADMIN: Role
ROLE_SERVICE: Role
DEFAULT_PORT_FIELD_NUMBER: _ClassVar[int]
default_port: _descriptor.FieldDescriptor
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor
EDGE_ROUTES_FIELD_NUMBER: _ClassVar[int]
edge_routes: _descriptor.FieldDescriptor

class Access(_message.Message):
    __slots__ = ("roles", "public", "peers")
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedScalarFieldContainer[Role]
    public: bool
    peers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, roles: _Optional[_Iterable[_Union[Role, str]]] = ..., public: _Optional[bool] = ..., peers: _Optional[_Iterable[str]] = ...) -> None: ...

class EdgeRoute(_message.Message):
    __slots__ = ("method", "path", "access")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    method: str
    path: str
    access: Access
    def __init__(self, method: _Optional[str] = ..., path: _Optional[str] = ..., access: _Optional[_Union[Access, _Mapping]] = ...) -> None: ...
