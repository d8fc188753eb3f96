"""Sealed papers: how a secret vote is kept so that nobody holding the database can tie it to a voter.

The problem. A vote has to flip the voter's `has_voted` and store the paper in one transaction, or one
person could vote twice (or lose a vote) when two requests race. But rows written in one transaction
share its id (PostgreSQL's `xmin`) and sit next to each other on disk, so anyone who can read the
database, a backup or a replica could join the roll to the papers and read who voted how.

The design:
- When a secret ballot opens it gets a random salt and an X25519 key pair. The private key is never
  stored: it is derived, when needed, from the server's secret (`VOTING_SECRET`, else `SECRET_KEY`),
  the ballot's id and its salt. Only the public key is kept with the ballot.
- A vote stores a `SealedPaper`: the choices and the receipt hash, padded to one fixed length for the
  ballot and sealed to the public key (libsodium's sealed box: a fresh key each time, so two identical
  votes look different and every sealed paper of a ballot has the same size). It is written in the
  same transaction as the roll flip, so the race stays safe, but without the private key it says
  nothing except that someone voted, which the roll says anyway.
- At close one transaction opens every sealed paper, shuffles them with `secrets`, writes the
  countable `BallotPaper` rows (random ids, no receipt) in that random order and the `BallotReceipt`
  rows (hashes only) in a second, separate random order, and deletes the sealed papers; PostgreSQL then
  vacuums the sealed table. Every countable row shares the close transaction, its storage order is a
  shuffle, and nothing pairs a receipt with a choice.
- Receipt codes are derived the same way (keyed hash of ballot, salt and voter): the check page shows
  the same code however often it is visited, and nothing needs to travel in the form.

What it does not protect against: someone who holds the server's secret and a copy of the database
taken while voting was open (they can open the sealed papers and join them to the roll), or someone
watching requests live on the server. See README, "Secret ballots".
"""

import hashlib
import hmac
import json
import secrets

from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class SealBroken(Exception):
    """The sealed papers cannot be opened with the key the server derives now (its secret changed)."""


def _server_secret() -> bytes:
    secret = getattr(settings, "VOTING_SECRET", "") or settings.SECRET_KEY
    return secret.encode()


def _derive(label: str, *parts) -> bytes:
    message = "|".join([label, *(str(part) for part in parts)]).encode()
    return hmac.new(_server_secret(), message, hashlib.sha256).digest()


def new_salt() -> str:
    return secrets.token_hex(16)


def _private_key(ballot) -> PrivateKey:
    return PrivateKey(_derive("portal.voting.seal", ballot.pk, ballot.seal_salt))


def public_key_for(ballot) -> str:
    """The hex public key for a ballot whose salt is set (kept with the ballot when it opens)."""
    return _private_key(ballot).public_key.encode().hex()


def paper_size(option_count: int) -> int:
    """Every sealed paper of a ballot is padded to this many bytes, so sizes say nothing about choices.

    Room for every option id ranked (up to 12 digits each), the receipt hash and the JSON around them.
    """
    return 128 + 16 * max(option_count, 3)


def seal(ballot, *, choices: list, receipt_hash: str, option_count: int) -> bytes:
    """The sealed form of one vote: JSON padded with spaces to the ballot's fixed size, then sealed."""
    text = json.dumps({"c": choices, "r": receipt_hash}, separators=(",", ":")).encode()
    size = paper_size(option_count)
    if len(text) > size:
        raise ValueError("A vote does not fit the sealed paper size.")
    box = SealedBox(PublicKey(bytes.fromhex(ballot.seal_public_key)))
    return box.encrypt(text.ljust(size, b" "))


def opener(ballot):
    """A function that opens this ballot's sealed papers into (choices, receipt_hash).

    Raises SealBroken before opening anything if the server can no longer derive the ballot's key.
    """
    key = _private_key(ballot)
    if key.public_key.encode().hex() != ballot.seal_public_key:
        raise SealBroken(
            "The sealed votes cannot be opened: the server's voting secret has changed since this ballot "
            "opened. Put back the secret the server had then (VOTING_SECRET, or SECRET_KEY if that is not set)."
        )
    box = SealedBox(key)

    def open_one(sealed: bytes) -> tuple[list, str]:
        try:
            paper = json.loads(box.decrypt(bytes(sealed)))
        except (CryptoError, ValueError) as error:
            raise SealBroken("A sealed vote could not be opened: it has been changed or damaged.") from error
        return paper["c"], paper["r"]

    return open_one


def paper_digest(ballot, nonce: str, choices: list) -> str:
    """A keyed digest of a typed-in paper vote's choices, to compare the second person's typing with the
    first without keeping the choices readable. The nonce makes two identical votes' digests differ."""
    canonical = json.dumps(choices, separators=(",", ":"))
    return _derive("portal.voting.paper-check", ballot.pk, ballot.seal_salt, nonce, canonical).hex()


def receipt_code(ballot, voter_id: int) -> str:
    """This voter's receipt code for this ballot: the same every time it is asked for, unguessable
    without the server's secret. 12 characters that cannot be mistaken for one another, in fours."""
    number = int.from_bytes(_derive("portal.voting.receipt", ballot.pk, ballot.seal_salt, voter_id), "big")
    chars = []
    for _ in range(12):
        number, digit = divmod(number, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[digit])
    raw = "".join(chars)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def shuffled(items: list) -> list:
    """A copy of `items` in an order drawn from the operating system's randomness."""
    items = list(items)
    secrets.SystemRandom().shuffle(items)
    return items
