"""The gRPC channel fraudctl's commands call the platform on, with the operator's credential:
FRAUDMESH_API_KEY, else the local admin key `make up` keeps in .data/credentials/admin.key."""

from __future__ import annotations

import os

import grpc

from fraudctl.runtime.credentials import admin_key_path
from fraudctl.runtime.platform import PlatformConfig
from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.grpc_server import insecure_channel


def operator_credential() -> str:
    given = os.environ.get("FRAUDMESH_API_KEY", "").strip()
    if given:
        return given
    local = admin_key_path(PlatformConfig().data_dir)
    return local.read_text().strip() if local.is_file() else ""


def operator_channel(address: str, credential: str | None = None) -> grpc.aio.Channel:
    return insecure_channel(address, caller_credentials(operator_credential() if credential is None else credential))
