"""A local certificate authority and one certificate per party, made with `cryptography`.

`make up` and the tests keep them under the data folder's `certificates/` (keys mode 0600, never in
the repo). A certificate's common name is the party's name ("scoring", "kafka", "admin"): the gRPC
servers take a caller's service identity from it, and Kafka its principal. Certificates are kept and
used again until they come within a week of expiring, or the authority they were signed by changes."""

from __future__ import annotations

import datetime
import ipaddress
import os
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "fraudmesh local CA"
VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=7)
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class IssuedCertificate:
    ca: pathlib.Path  # the local authority's certificate, PEM: what every party trusts
    certificate: pathlib.Path  # this party's certificate, PEM
    key: pathlib.Path  # this party's private key, PEM (PKCS#8, unencrypted, mode 0600)


def _write_private(path: pathlib.Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _still_good(path: pathlib.Path, issuer: x509.Certificate | None = None) -> bool:
    if not path.exists():
        return False
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc - now < RENEW_BEFORE:
        return False
    if issuer is None:
        return True
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _ensure_authority(folder: pathlib.Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    certificate_path, key_path = folder / "ca.crt", folder / "ca.key"
    if _still_good(certificate_path) and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(certificate_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, key


def _subject_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def ensure_certificate(folder: pathlib.Path, name: str, hosts: Sequence[str] = LOCAL_HOSTS) -> IssuedCertificate:
    """The certificate of party `name`, made (with the authority, the first time) when missing,
    near its end, or signed by another authority. Good for both ends of a link: a server's name
    checks against `hosts`, and the same certificate identifies the party as a client."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    authority, authority_key = _ensure_authority(folder)
    issued = IssuedCertificate(folder / "ca.crt", folder / f"{name}.crt", folder / f"{name}.key")
    if _still_good(issued.certificate, authority) and issued.key.exists():
        return issued
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(authority.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    _write_private(issued.key, _pem_key(key))
    issued.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return issued
