"""fraudmesh.grpc_tls on real TLS handshakes: a server bound with its credentials admits only callers
presenting a certificate of its own authority and sees which party called; a channel made with its
credentials trusts only servers of that authority. Settings that name no usable file are refused
with a message naming the setting."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest

from fraudmesh.grpc_server import client_channel, insecure_channel
from fraudmesh.grpc_tls import GrpcTls, GrpcTlsSettingError
from fraudmesh.settings import GrpcTlsSettings
from tests.integration.grpc_tls.conftest import Authorities

WHO = "/test.Identity/Who"


async def _who(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    """Answers with the common name of the certificate the caller presented."""
    return b",".join(context.auth_context().get("x509_common_name", [b"<none>"]))


@pytest.fixture
async def identity_server(authorities: Authorities) -> AsyncIterator[str]:
    """A server of "ours", bound with the store's certificate, answering who called."""
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler("test.Identity", {"Who": grpc.unary_unary_rpc_method_handler(_who)})]
    )
    port = server.add_secure_port("127.0.0.1:0", authorities.tls("store").server_credentials())
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def _call(channel: grpc.aio.Channel) -> bytes:
    return await channel.unary_unary(WHO)(b"", timeout=10, wait_for_ready=False)


async def test_a_caller_with_a_certificate_of_the_same_authority_gets_through_and_is_named(
    identity_server: str, authorities: Authorities
):
    async with client_channel(identity_server, tls=authorities.tls("scoring")) as channel:
        assert await _call(channel) == b"scoring"


async def _refused(channel: grpc.aio.Channel) -> grpc.StatusCode:
    async with channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _call(channel)
    return refused.value.code()


async def test_a_caller_without_a_client_certificate_is_refused_at_the_handshake(
    identity_server: str, authorities: Authorities
):
    trusting_only = grpc.ssl_channel_credentials(root_certificates=authorities.tls("admin").ca)
    assert await _refused(grpc.aio.secure_channel(identity_server, trusting_only)) == grpc.StatusCode.UNAVAILABLE


async def test_a_caller_with_a_certificate_of_another_authority_is_refused(
    identity_server: str, authorities: Authorities
):
    # It trusts our authority (so it would accept the server), yet its own certificate is a stranger's.
    stranger = authorities.tls("scoring", by_other=True)
    ours = authorities.tls("scoring")
    credentials = grpc.ssl_channel_credentials(ours.ca, stranger.key, stranger.certificate)
    assert await _refused(grpc.aio.secure_channel(identity_server, credentials)) == grpc.StatusCode.UNAVAILABLE


async def test_a_plaintext_caller_is_refused(identity_server: str):
    assert await _refused(insecure_channel(identity_server)) == grpc.StatusCode.UNAVAILABLE


async def test_a_caller_does_not_trust_a_server_of_another_authority(identity_server: str, authorities: Authorities):
    assert await _refused(client_channel(identity_server, tls=authorities.tls("scoring", by_other=True))) == (
        grpc.StatusCode.UNAVAILABLE
    )


def _settings(authorities: Authorities, **overrides: str | bool) -> GrpcTlsSettings:
    issued = authorities.issued("ingest")
    named: dict[str, str | bool] = {
        "grpc_tls": True,
        "grpc_tls_ca_file": str(issued.ca),
        "grpc_tls_cert_file": str(issued.certificate),
        "grpc_tls_key_file": str(issued.key),
    }
    return GrpcTlsSettings(**(named | overrides))  # type: ignore[arg-type]


def test_the_settings_files_are_read_into_credentials(authorities: Authorities):
    tls = GrpcTls.from_settings(_settings(authorities))
    issued = authorities.issued("ingest")
    assert tls == GrpcTls(issued.ca.read_bytes(), issued.certificate.read_bytes(), issued.key.read_bytes())


def test_with_tls_off_no_file_is_needed():
    assert GrpcTls.from_settings(GrpcTlsSettings(grpc_tls=False, grpc_tls_cert_file="")) is None


@pytest.mark.parametrize("setting", ["GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"])
def test_a_setting_naming_no_file_fails_naming_the_setting(authorities: Authorities, setting: str):
    with pytest.raises(GrpcTlsSettingError, match=f"^{setting} is not set"):
        GrpcTls.from_settings(_settings(authorities, **{setting.lower(): ""}))


def test_a_file_that_is_not_there_fails_naming_the_setting_and_the_path(
    authorities: Authorities, tmp_path: pathlib.Path
):
    missing = tmp_path / "nowhere.key"
    with pytest.raises(GrpcTlsSettingError, match=f"^GRPC_TLS_KEY_FILE={missing} cannot be read"):
        GrpcTls.from_settings(_settings(authorities, grpc_tls_key_file=str(missing)))


def test_a_file_without_pem_fails_naming_the_setting(authorities: Authorities, tmp_path: pathlib.Path):
    garbage = tmp_path / "ca.crt"
    garbage.write_text("not a certificate")
    with pytest.raises(GrpcTlsSettingError, match=f"^GRPC_TLS_CA_FILE={garbage} holds no PEM data"):
        GrpcTls.from_settings(_settings(authorities, grpc_tls_ca_file=str(garbage)))


def test_the_private_key_never_shows_in_a_representation(authorities: Authorities):
    tls = authorities.tls("ingest")
    assert b"PRIVATE KEY" in tls.key
    assert "PRIVATE" not in repr(tls) and "PRIVATE" not in str(tls)
