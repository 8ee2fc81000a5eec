"""TLS on every HTTP stack: the certificate is verified, for the URL's host (SNI), against the trust store."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from delivery_helpers import EngineFactory, add_webhook, logs
from receiver import Receiver

from cortexbuild_sdk.local.delivery import available_stacks
from cortexbuild_sdk.local.delivery import dispatcher as dispatcher_module
from cortexbuild_sdk.local.store import Database


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` only (no IP address in it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cortexbuild test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, Path]]:
    cert, key = _certificate(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    with Receiver(tls=server) as receiver:
        yield receiver, cert


def _trusting(monkeypatch: pytest.MonkeyPatch, cert: Path) -> None:
    """The engine's verifying context, with the test CA added to what it trusts."""
    real = dispatcher_module.httpx.create_ssl_context

    def create(verify: bool = True, trust_env: bool = False) -> ssl.SSLContext:
        context = real(verify, trust_env=trust_env)
        context.load_verify_locations(cert)
        return context

    monkeypatch.setattr(dispatcher_module.httpx, "create_ssl_context", create)


@pytest.mark.parametrize("stack", available_stacks())
def test_verified_tls_for_the_urls_host(
    stack: str,
    db: Database,
    make_engine: EngineFactory,
    tls_receiver: tuple[Receiver, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver, cert = tls_receiver
    _trusting(monkeypatch, cert)
    good = add_webhook(db, receiver.url("/ok", host="localhost"))
    wrong_name = add_webhook(db, receiver.url("/ip"))  # the certificate does not name 127.0.0.1
    engine = make_engine(http_stack=stack)
    engine.emit(account_id=1, company_id="c", user_id="u", event="task.created", data={})
    engine.drain()
    assert logs(db, good)[0]["response_status"] == 200
    (failed,) = logs(db, wrong_name)
    assert failed["response_status"] is None and "certificate" in failed["error_message"].lower()
    assert len(receiver.requests()) == 1


@pytest.mark.parametrize("stack", available_stacks())
def test_untrusted_certificate_is_refused(
    stack: str, db: Database, make_engine: EngineFactory, tls_receiver: tuple[Receiver, Path]
) -> None:
    receiver, _ = tls_receiver
    wid = add_webhook(db, receiver.url("/ok", host="localhost"))
    engine = make_engine(http_stack=stack)
    engine.emit(account_id=1, company_id="c", user_id="u", event="task.created", data={})
    engine.drain()
    (log,) = logs(db, wid)
    assert log["response_status"] is None and "certificate" in log["error_message"].lower()
    assert receiver.requests() == []
