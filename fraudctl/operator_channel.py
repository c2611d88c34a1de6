"""The gRPC channel fraudctl's commands call the platform on, with the operator's credential:
FRAUDMESH_API_KEY, else the local admin key `make up` keeps in .data/credentials/admin.key."""

from __future__ import annotations

import os
import pathlib

import grpc

from fraudmesh.access.caller_credentials import caller_credentials
from fraudmesh.grpc_server import insecure_channel

LOCAL_ADMIN_KEY = pathlib.Path(__file__).resolve().parents[1] / ".data" / "credentials" / "admin.key"


def operator_credential() -> str:
    given = os.environ.get("FRAUDMESH_API_KEY", "").strip()
    if given:
        return given
    return LOCAL_ADMIN_KEY.read_text().strip() if LOCAL_ADMIN_KEY.is_file() else ""


def operator_channel(address: str, credential: str | None = None) -> grpc.aio.Channel:
    return insecure_channel(address, caller_credentials(operator_credential() if credential is None else credential))
