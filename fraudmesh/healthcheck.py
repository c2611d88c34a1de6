"""Container health probe: `python -m fraudmesh.healthcheck ADDRESS`, exit 0 when healthy.

ADDRESS `host:port` asks the standard gRPC health service (grpc.health.v1) for the whole server
(or `--service NAME`) and needs SERVING; an `http://` URL needs a 2xx answer. It saves shipping
a separate probe binary in every image. With GRPC_TLS on (the default) it calls over mutual TLS
with the certificate the service's own GRPC_TLS_* settings name, as the service's container has them.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fraudmesh.grpc_tls import GrpcTls, GrpcTlsSettingError
from fraudmesh.settings import GrpcTlsSettings


def sync_channel(address: str, tls: GrpcTls | None) -> grpc.Channel:
    """A blocking channel for one-off probes: over mutual TLS with `tls`, in plaintext when None."""
    if tls is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, tls.channel_credentials())


def check_grpc(address: str, service: str = "", timeout: float = 3.0, tls: GrpcTls | None = None) -> str | None:
    """None when `address` reports SERVING, else why not."""
    with sync_channel(address, tls) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError as error:
            return f"{address}: health check failed: {error.code().name} {error.details() or ''}".rstrip()
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{address}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


def check_http(url: str, timeout: float = 3.0) -> str | None:
    """None when `url` answers 2xx, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (our own URL)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: {error}"
    return None if 200 <= status < 300 else f"{url}: HTTP {status}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fraudmesh.healthcheck", description=__doc__.splitlines()[0])
    parser.add_argument("address", help="gRPC host:port, or an http:// URL")
    parser.add_argument("--service", default="", help="gRPC service name to check; default the whole server")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the answer")
    args = parser.parse_args(argv)
    if args.address.startswith(("http://", "https://")):
        problem = check_http(args.address, args.timeout)
    else:
        try:
            tls = GrpcTls.from_settings(GrpcTlsSettings())
        except GrpcTlsSettingError as error:
            print(f"unhealthy: {error}", file=sys.stderr)
            return 1
        problem = check_grpc(args.address, args.service, args.timeout, tls)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
