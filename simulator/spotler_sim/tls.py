"""HTTPS for ``serve --tls``: a local certificate authority kept between runs, and a server
certificate it signs at every start (trustme makes both; nothing is downloaded).

The CA stays in one folder so it is trusted once; the server certificate names loopback, the
host served on and ``restapi.mailplus.nl`` (so a connector that hard-codes the real host can be
pointed at the simulator through its hosts file).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import trustme

from spotler_sim.config import env_default

REAL_HOST = "restapi.mailplus.nl"


@dataclass(frozen=True)
class TlsFiles:
    ca: Path | None  # None for a certificate the user brought
    cert: Path
    key: Path


def default_folder() -> Path:
    """Where the local CA is kept: SPOTLER_SIM_TLS_DIR, else the user's data folder."""
    chosen = env_default("TLS_DIR")
    if chosen:
        return Path(chosen)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "spotler-sim" / "tls"


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(data)


def local_certificate(folder: Path, host: str) -> TlsFiles:
    """The CA in ``folder`` (made on first use) and a fresh server certificate for ``host``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_file, ca_key = folder / "ca.pem", folder / "ca-key.pem"
    if ca_file.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_file.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="spotler-sim local CA")
        _write_private(ca_key, ca.private_key_pem.bytes())
        ca.cert_pem.write_to_path(str(ca_file))
    names = ["localhost", "127.0.0.1", "::1", REAL_HOST]
    if host not in names and not _unspecified(host):
        names.append(host)
    server = ca.issue_cert(*names)
    cert, key = folder / "server.pem", folder / "server-key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    _write_private(key, server.private_key_pem.bytes())
    return TlsFiles(ca_file, cert, key)


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def trust_hints(ca: Path) -> list[str]:
    """How each kind of client trusts the CA, one line each."""
    return [
        f"Python (requests, httpx), curl: export SSL_CERT_FILE={ca} REQUESTS_CA_BUNDLE={ca}",
        f"curl alone: curl --cacert {ca} ...   spotler-sim call: --cacert {ca}",
        f"Node.js: export NODE_EXTRA_CA_CERTS={ca}",
        f"Java: keytool -importcert -noprompt -alias spotler-sim -file {ca} "
        "-keystore truststore.jks -storepass changeit, then -Djavax.net.ssl.trustStore=truststore.jks",
    ]
