"""The portal's checkpoint signing key (Ed25519), derived from the server's secret and never stored.

`AUDIT_SIGNING_SECRET` (else `SECRET_KEY`) fixes the key, so its public half, published on the
transparency page and inside every checkpoint file, stays the same for as long as the secret does.
Someone who rewrites the database cannot make a checkpoint that verifies without that secret.
"""

import hashlib
import hmac

from django.conf import settings
from nacl.signing import SigningKey

from .verify_export import checkpoint_message, signature_ok


def _signing_key() -> SigningKey:
    secret = (getattr(settings, "AUDIT_SIGNING_SECRET", "") or settings.SECRET_KEY).encode()
    return SigningKey(hmac.new(secret, b"portal.audit.checkpoint-signing-key", hashlib.sha256).digest())


def public_key() -> str:
    """The hex public key anyone checks checkpoint signatures with."""
    return _signing_key().verify_key.encode().hex()


def sign(count: int, head_hash: str) -> str:
    """The hex signature over (count, head hash)."""
    return _signing_key().sign(checkpoint_message(count, head_hash)).signature.hex()


def signed_by_us(count: int, head_hash: str, signature: str) -> bool:
    return signature_ok(public_key(), count, head_hash, signature)
