"""The exact words people agree to, by kind and version.

A ConsentRecord stores the version and the SHA-256 of its text, so years later anyone can show which
words a person agreed to. Never edit a wording in place: add a new version at the end of its list.
"""

import hashlib
from dataclasses import dataclass

from .models import ConsentRecord

Kind = ConsentRecord.Kind


@dataclass(frozen=True)
class Wording:
    kind: str
    version: str
    text: str

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


WORDINGS: dict[str, list[Wording]] = {
    Kind.CONTACT: [
        Wording(
            Kind.CONTACT,
            "contact-2026-1",
            "You may email me about the things I ticked on my account page: new consultations, "
            "and meetings and decisions. I can stop this at any time.",
        ),
    ],
    Kind.LIVED_EXPERIENCE: [
        Wording(
            Kind.LIVED_EXPERIENCE,
            "lived-experience-2026-1",
            "You may keep my answer about lived experience of mental ill-health. You will only use it "
            "to count how many people with lived experience take part, and never show it next to my "
            "name. I can take it back at any time and you will delete it.",
        ),
    ],
    Kind.ASSISTED_ENTRY: [
        # The same words as the peer worker's tick box on the consultation's "assisted" start page.
        Wording(Kind.ASSISTED_ENTRY, "assisted-2026-1", "The person has agreed that I enter these answers for them"),
    ],
}


def current_wording(kind: str) -> Wording:
    """The wording people agree to now for `kind` (the newest version)."""
    return WORDINGS[kind][-1]


def wording_for(record: ConsentRecord) -> Wording | None:
    """The wording `record` was given under, if this code still knows that version."""
    return next((w for w in WORDINGS.get(record.kind, []) if w.version == record.wording_version), None)
