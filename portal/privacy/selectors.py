"""Reads for data rights: everything about a person as JSON, their consents, what erasure would keep."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from portal.accounts.selectors import user_data_export

from .consent import wording_for
from .models import ConsentRecord
from .registry import KEEPERS


def person_data(*, person) -> dict:
    """Everything the portal holds about `person`: the account, preferences and every registered section."""
    return user_data_export(user=person)


def person_data_json(*, person) -> bytes:
    """`person_data` as the UTF-8 JSON file people download."""
    return json.dumps(person_data(person=person), indent=2, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def consents_for_page(*, person) -> list[tuple[ConsentRecord, str]]:
    """The person's consents, newest first, each with the words they agreed to."""
    return [
        (record, wording.text if (wording := wording_for(record)) else "")
        for record in ConsentRecord.objects.filter(person=person)
    ]


def kept_after_erasure(*, person) -> list[str]:
    """Plain sentences saying what would be kept, without the person's name, if they were erased now."""
    return [line for keeper in KEEPERS.values() for line in keeper(person)]
