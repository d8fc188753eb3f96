"""Two requests claiming the same participation at the same moment (PostgreSQL): exactly one claim.

Each round, two threads (each with its own database connection) wait at a barrier and then claim the
same participation; one claim is made, the other is refused in plain words, never with a database
error, and one payee is made even for a first claim. Rounds use a new person each time, so the payee
is made at the same moment too.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from involvement import services
from involvement.models import Claim, Payee
from portal.audit.models import AuditEvent

from .factories import event_work, make_band, member


def claim_together(participation, people: int = 2) -> tuple[list, list]:
    barrier = threading.Barrier(people)
    made, errors = [], []

    def claim():
        try:
            barrier.wait()
            made.append(services.claim_make(user=participation.person, participation=participation, choice="paid"))
        except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return made, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_for_one_participation_make_exactly_one(home_page):
    band = make_band()
    for _round in range(5):
        person = member()
        participation = event_work(person, band=band)
        made, errors = claim_together(participation, people=3)
        assert len(made) == 1, errors
        assert len(errors) == 2 and all(isinstance(e, ValidationError) for e in errors), errors
        assert all("already claimed for this" in " ".join(e.messages) for e in errors)
        assert Claim.objects.filter(participation=participation).count() == 1
        assert Payee.objects.filter(person=person).count() == 1
    assert AuditEvent.objects.filter(action="involvement.claim_made").count() == 5
