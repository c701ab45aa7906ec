"""``gatecheck keygen``: make a signing key pair for attestations and print its keyid."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import click

from gatecheck.attest.keys import ALGORITHMS, generate
from gatecheck.cli.output import Output, info, output_options
from gatecheck.errors import BadInput


def _write_private(path: Path, data: bytes, force: bool) -> None:
    """Write with mode 0600 from the first byte (never world-readable, not even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates with 0600
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if force:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the path appeared meanwhile: never overwrite by accident
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@click.command("keygen")
@click.option("-a", "--algorithm", type=click.Choice(ALGORITHMS), default="ed25519", show_default=True,
              help="Key algorithm.")
@click.option("-o", "--out", "prefix", type=click.Path(dir_okay=False, path_type=Path), default=Path("gatecheck"),
              show_default=True, help="Write PREFIX.key (private, mode 0600) and PREFIX.pub (public).")
@click.option("--passphrase-env", metavar="NAME",
              help="Encrypt the private key with the passphrase in this environment variable.")
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
# No -o FILE for the printed data: keygen's -o (documented and used in every CI set-up) names the
# key files it writes, which are its real output; the keyid it prints goes to stdout.
@output_options(output=False)
def keygen(algorithm: str, prefix: Path, passphrase_env: str | None, force: bool, out: Output) -> None:
    """Generate a key pair for signing attestations and print its keyid.

    The keyid is the sha256 of the public key's SubjectPublicKeyInfo DER, in hex. The
    private key file is created readable by its owner only (mode 0600); existing files
    are never overwritten unless --force is given.

    \b
    Examples:
      gatecheck keygen                              # gatecheck.key + gatecheck.pub, Ed25519
      gatecheck keygen -a ecdsa-p256 -o keys/ci     # keys/ci.key + keys/ci.pub
      gatecheck keygen -o keys/ci --format json     # {"keyid": ..., "public_key": "keys/ci.pub", ...}
      GATECHECK_KEY_PASSPHRASE=... gatecheck keygen --passphrase-env GATECHECK_KEY_PASSPHRASE
      gatecheck run . --attest out.intoto.jsonl --subject dist/app.whl --key file:gatecheck.key
    """
    private_path = prefix.with_name(prefix.name + ".key")
    public_path = prefix.with_name(prefix.name + ".pub")
    if not force:
        for path in (private_path, public_path):
            if path.exists():
                raise BadInput("already exists; pass --force to overwrite it", path=path)
    passphrase: bytes | None = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if not value:
            raise BadInput(f"environment variable {passphrase_env} (the passphrase) is not set or empty",
                           key="--passphrase-env")
        passphrase = value.encode("utf-8")
    key = generate(algorithm)  # type: ignore[arg-type]  # click.Choice guarantees an Algorithm
    try:
        _write_private(private_path, key.private_pem(passphrase), force)
        public_path.write_bytes(key.public.pem())
    except FileExistsError:
        raise BadInput("already exists; pass --force to overwrite it", path=private_path) from None
    except OSError as exc:
        raise BadInput(f"cannot write key: {exc.strerror or exc}", path=exc.filename or private_path) from None
    info(f"gatecheck: wrote {private_path} (private, mode 0600) and {public_path}")
    out.emit({"keyid": key.keyid, "algorithm": algorithm, "private_key": str(private_path),
              "public_key": str(public_path), "encrypted": passphrase is not None}, lambda: key.keyid + "\n")


COMMANDS = [keygen]
