"""Per-round secrets: the Ed25519 key that signs a round's audit bundle and the seed that shuffles its ballots.

Neither is stored: both are derived (HKDF-SHA256) from the instance's ``SECRET_KEY`` and the round id, so the
private key never sits in the database, a backup or the bundle, and rebuilding a bundle gives the same bytes.
The public key is shown on the round page and recorded in the event log when results are published. Changing
``SECRET_KEY`` changes every round's key: bundles signed before stay verifiable with the key they name.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app


def _derive(purpose: str, round_id: int) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    material = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pbvote-audit-v1",
                info=f"{purpose}:{round_id}".encode()).derive(material)


def signing_key(round_id: int) -> Ed25519PrivateKey:
    """The round's private signing key (derived each time, never stored)."""
    return Ed25519PrivateKey.from_private_bytes(_derive("ed25519-signing-key", round_id))


def public_key_hex(round_id: int) -> str:
    """The round's public key as 64 hex digits (what the round page shows and ``--public-key`` takes)."""
    return signing_key(round_id).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def shuffle_seed(round_id: int) -> bytes:
    """The round's secret seed for voter ids and ballot order in the bundle."""
    return _derive("ballot-shuffle-seed", round_id)
