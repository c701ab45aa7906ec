"""`gatecheck serve` takes up a renewed certificate without a restart: a real server process, real TLS
on loopback, the certificate files replaced under it the two ways they are in practice (written over
in place, and the kubelet's atomic ``..data`` symlink swap of a mounted Secret)."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tls_server import (
    Stored,
    TestPKI,
    client_identity,
    fingerprint,
    free_port,
    issue_server_certificate,
    make_pki,
    running,
)

from gatecheck.server.tls import ServerTLS


def peer_sha256(port: int, ca: Path, client: tuple[Path, Path] | None = None) -> str:
    """A new TLS connection's peer certificate, as a SHA-256 fingerprint, once a request over it got 200."""
    with connection(port, ca, client) as conn:
        assert get(conn, "/healthz") == 200
        return sha256_of(conn)


@contextmanager
def connection(port: int, ca: Path, client: tuple[Path, Path] | None = None) -> Iterator[http.client.HTTPSConnection]:
    """An HTTPS connection (keep-alive) that trusts only ``ca``, with a client certificate when given."""
    context = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        context.load_cert_chain(*client)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        conn.connect()
        yield conn
    finally:
        conn.close()


def get(conn: http.client.HTTPSConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def sha256_of(conn: http.client.HTTPSConnection) -> str:
    assert isinstance(conn.sock, ssl.SSLSocket)
    der = conn.sock.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


@dataclass
class Server:
    port: int
    pki: TestPKI
    proc: Any

    def stderr(self) -> str:
        """Everything the server wrote to stderr (it is stopped first)."""
        self.proc.terminate()
        return str(self.proc.communicate(timeout=20)[1])


@contextmanager
def serving(stored: Stored, pki: TestPKI, cert: Path, key: Path, *args: str) -> Iterator[Server]:
    port = free_port()
    argv = stored.serve_argv("--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key), *args)
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    ready = f"https://127.0.0.1:{port}/healthz"
    probe = [a.split("=", 1)[1] for a in args if a.startswith("--probe-port=")]
    if probe:  # with --client-ca the probe port is the one a client without a certificate can ask;
        # its /readyz says ready only once the TLS port listens too
        ready = f"http://127.0.0.1:{probe[0]}/readyz"
    with httpx.Client(verify=context, timeout=5) as client, running(argv, ready, client) as proc:
        # An idle keep-alive TLS connection holds up the server's exit for 30 s (asyncio waits that
        # long for the client's close_notify), and the tests stop the server to read its stderr.
        client.close()
        yield Server(port, pki, proc)


def test_a_certificate_written_over_the_files_is_served_to_new_connections(stored: Stored, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    with serving(stored, pki, pki.server_cert, pki.server_key, "--insecure-no-auth") as server:
        first = fingerprint(pki.server_cert.read_bytes())
        assert peer_sha256(server.port, pki.ca_cert) == first
        with connection(server.port, pki.ca_cert) as old:
            assert get(old, "/healthz") == 200
            sock = old.sock
            # The renewal, written over the files in place (as `cp` or an editor would): the
            # certificate first, then its key.
            cert, key = issue_server_certificate(pki)
            pki.server_cert.write_bytes(cert)
            pki.server_key.write_bytes(key)
            renewed = fingerprint(cert)
            assert renewed != first
            assert peer_sha256(server.port, pki.ca_cert) == renewed
            # The connection made before keeps working, on the certificate it was made with.
            assert get(old, "/healthz") == 200 and old.sock is sock
            assert sha256_of(old) == first

            # Half a renewal: a new certificate whose key is not written yet. New connections
            # still get the last good pair, and the server says why.
            half_cert, half_key = issue_server_certificate(pki)
            pki.server_cert.write_bytes(half_cert)
            assert peer_sha256(server.port, pki.ca_cert) == renewed
            assert peer_sha256(server.port, pki.ca_cert) == renewed
            assert get(old, "/healthz") == 200
            # A key file caught half-written: still the last good pair.
            pki.server_key.write_bytes(half_key[:40])
            assert peer_sha256(server.port, pki.ca_cert) == renewed
            # Once the key is there, the next connection gets the new pair.
            pki.server_key.write_bytes(half_key)
            assert peer_sha256(server.port, pki.ca_cert) == fingerprint(half_cert)
        err = server.stderr()
    assert f"{pki.server_key}: --tls-key: the key does not belong to the certificate in {pki.server_cert}" in err
    assert f"{pki.server_key}: --tls-key: holds no PEM private key" in err
    assert "still serving [localhost, 127.0.0.1] valid until" in err and f"sha256 {renewed[:16]}" in err


def kubelet_secret_volume(directory: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` the way the kubelet updates a Secret volume (its AtomicWriter).

    The files live in a timestamped directory; ``..data`` links to it and each name links into
    ``..data``. An update writes a new timestamped directory, points a new link at it and renames
    that over ``..data`` (one atomic step), then removes the old directory.
    """
    directory.mkdir(exist_ok=True)
    stamp = directory / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
    stamp.mkdir()
    for name, data in files.items():
        (stamp / name).write_bytes(data)
    data_link = directory / "..data"
    old = data_link.resolve() if data_link.is_symlink() else None
    tmp_link = directory / "..data_tmp"
    tmp_link.symlink_to(stamp.name)
    os.rename(tmp_link, data_link)
    for name in files:
        if not (directory / name).is_symlink():
            (directory / name).symlink_to(Path("..data") / name)
    if old is not None:
        for child in old.iterdir():
            child.unlink()
        old.rmdir()


def test_a_kubelet_secret_volume_update_is_served_to_new_connections(stored: Stored, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    volume = tmp_path / "tls"
    kubelet_secret_volume(volume, {"tls.crt": pki.server_cert.read_bytes(), "tls.key": pki.server_key.read_bytes(),
                                   "ca.crt": pki.ca_cert.read_bytes()})
    with serving(stored, pki, volume / "tls.crt", volume / "tls.key", "--insecure-no-auth") as server:
        first = fingerprint(pki.server_cert.read_bytes())
        assert peer_sha256(server.port, pki.ca_cert) == first
        with connection(server.port, pki.ca_cert) as old:
            assert get(old, "/healthz") == 200
            for _ in range(2):  # two renewals: the second replaces a directory the first made
                cert, key = issue_server_certificate(pki)
                kubelet_secret_volume(volume, {"tls.crt": cert, "tls.key": key, "ca.crt": pki.ca_cert.read_bytes()})
                assert peer_sha256(server.port, pki.ca_cert) == fingerprint(cert)
            assert get(old, "/healthz") == 200 and sha256_of(old) == first


def test_client_certificates_are_still_required_after_a_renewal(stored: Stored, tmp_path: Path) -> None:
    """A new connection moves to the rebuilt context during its handshake; that context checks clients too,
    and a replaced --client-ca file is taken up the same way as the certificate."""
    pki = make_pki(tmp_path)
    client_ca, cert, key = client_identity(tmp_path, "kube-apiserver")
    _, rogue_cert, rogue_key = client_identity(tmp_path, "stranger")
    with serving(stored, pki, pki.server_cert, pki.server_key, f"--client-ca={client_ca}",
                 f"--probe-port={free_port()}") as server:
        renewed, renewed_key = issue_server_certificate(pki)
        pki.server_cert.write_bytes(renewed)
        pki.server_key.write_bytes(renewed_key)
        assert peer_sha256(server.port, pki.ca_cert, (cert, key)) == fingerprint(renewed)
        for refused in (None, (rogue_cert, rogue_key)):
            with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
                peer_sha256(server.port, pki.ca_cert, refused)
        # The CA file replaced by another CA: its clients are let in, the old CA's no longer.
        (tmp_path / "next").mkdir()
        new_ca, new_cert, new_key = client_identity(tmp_path / "next", "kube-apiserver")
        client_ca.write_bytes(new_ca.read_bytes())
        assert peer_sha256(server.port, pki.ca_cert, (new_cert, new_key)) == fingerprint(renewed)
        with pytest.raises((ssl.SSLError, ConnectionError, http.client.HTTPException)):
            peer_sha256(server.port, pki.ca_cert, (cert, key))


def test_a_broken_pair_is_retried_now_and_then_not_on_every_handshake(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """The context a new connection gets (what the handshake callback asks for), with real files."""
    pki = make_pki(tmp_path)
    tls = ServerTLS(pki.server_cert, pki.server_key, retry_after=0.5)
    first = tls.current()
    assert first is tls.context and tls.served.sha256 == fingerprint(pki.server_cert.read_bytes())
    cert, key = issue_server_certificate(pki)
    pki.server_cert.write_bytes(cert)  # and not the key
    with caplog.at_level(logging.WARNING, logger="gatecheck.server.tls"):
        started = time.monotonic()
        for _ in range(20):
            assert tls.current() is first
        assert len(caplog.records) == 1 or time.monotonic() - started >= 0.5
        time.sleep(0.6)
        assert tls.current() is first
        assert len(caplog.records) >= 2 and "does not belong to the certificate" in caplog.records[-1].getMessage()
    pki.server_key.write_bytes(key)
    renewed = tls.current()
    assert renewed is not first and tls.served.sha256 == fingerprint(cert)
    assert tls.current() is renewed  # unchanged files: the same context, nothing loaded again


@pytest.mark.parametrize(("write", "option", "message"), [
    (lambda pki, other: pki.server_key.write_bytes(other.server_key.read_bytes()), "--tls-key",
     "the key does not belong to the certificate in {cert}"),
    (lambda pki, other: pki.server_cert.write_text("not a certificate\n"), "--tls-cert", "holds no PEM certificate"),
    (lambda pki, other: pki.server_key.write_bytes(b""), "--tls-key", "holds no PEM private key"),
    (lambda pki, other: pki.server_key.unlink(), "--tls-key", "file not found"),
    (lambda pki, other: pki.server_key.write_bytes(encrypted(pki.server_key)), "--tls-key",
     "the private key is encrypted"),
])
def test_an_unusable_pair_is_refused_at_start(cli: Callable[..., Any], stored: Stored, tmp_path: Path,
                                              write: Callable[[TestPKI, TestPKI], Any], option: str,
                                              message: str) -> None:
    (tmp_path / "other").mkdir()
    pki, other = make_pki(tmp_path), make_pki(tmp_path / "other")
    write(pki, other)
    res = cli("serve", "--store", stored.url, "--key", str(stored.pub), "--insecure-no-auth",
              "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key))
    path = pki.server_key if option == "--tls-key" else pki.server_cert
    assert res.exit_code == 2, res.stderr
    assert f"{path}: {option}: {message.format(cert=pki.server_cert)}" in res.stderr


def encrypted(key: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(b"secret"))


def test_a_port_in_use_is_bad_input(stored: Stored, tmp_path: Path) -> None:
    import subprocess

    pki = make_pki(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = subprocess.run(stored.serve_argv("--port", str(port), "--insecure-no-auth", "--tls-cert",
                                               str(pki.server_cert), "--tls-key", str(pki.server_key)),
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    assert f"--port: cannot serve on 127.0.0.1:{port}" in res.stderr
