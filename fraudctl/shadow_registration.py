"""Registers a trained model version as the shadow of every scoring instance (ActivateModel with
shadow set): it scores beside the active model, deciding nothing, until an admin activates it on the
models page after comparing the two on the same live traffic. Scoring loads the version from its
own models folder, so the version must have been written there."""

from __future__ import annotations

import grpc
from fraud.v1 import scoring_service_pb2, scoring_service_pb2_grpc

from fraudctl.operator_channel import operator_channel


class ShadowRegistrationError(Exception):
    """Scoring did not take the version as its shadow; the message says why and what to do."""


async def register_shadow(
    scoring_address: str, version: str, credential: str | None = None
) -> scoring_service_pb2.ModelInfo:
    async with operator_channel(scoring_address, credential) as channel:
        stub = scoring_service_pb2_grpc.ScoringServiceStub(channel)
        try:
            response = await stub.ActivateModel(
                scoring_service_pb2.ActivateModelRequest(version=version, shadow=True), timeout=60
            )
        except grpc.aio.AioRpcError as error:
            hint = (
                " (train with --out set to scoring's MODELS_DIR so that it finds the version)"
                if error.code() == grpc.StatusCode.NOT_FOUND
                else ""
            )
            raise ShadowRegistrationError(
                f"scoring at {scoring_address} did not take {version} as its shadow: "
                f"{error.code().name}: {error.details()}{hint}"
            ) from None
    return response.model
