"""Issue 16, with a real Celery worker (the PostgreSQL stage of CI): deciding a proposal sends its
proposer and its two supporters one email each, sent by the worker through the outbox, and nobody a
second. It lives here to share tests/portal's one worker (a second would take tasks from the same queue)."""

import time

import pytest

from portal.accounts.models import Profile
from portal.jobs.models import OutboxMessage
from proposals import services
from tests.governance.factories import recorder

from tests.proposals.factories import council, make_proposal, service_user

pytestmark = [pytest.mark.needs_worker, pytest.mark.django_db(transaction=True)]


def _wait_for(check, seconds=30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_real_worker_tells_the_proposer_and_each_supporter_once(home_page, celery_worker):
    people = [service_user() for _ in range(3)]
    for person in people:
        Profile.objects.update_or_create(user=person, defaults={
            "contact_method": Profile.ContactMethod.EMAIL, "contact_about_meetings": True})
    author, *supporters = people
    proposal = make_proposal(council(threshold=2), author=author, title="Open on Sundays")
    for person in supporters:
        services.support_add(proposal=proposal, user=person)
    proposal.refresh_from_db()

    services.proposal_decide(proposal=proposal, outcome="carried", text="We will open on Sundays.", user=recorder())

    def sent() -> list[str]:
        return [e for e in celery_worker.emails() if "Open on Sundays" in e]

    assert _wait_for(lambda: len(sent()) >= 3), celery_worker.log_tail()
    time.sleep(1)  # anything sent twice would arrive now
    emails = sent()
    assert len(emails) == 3
    for person in people:
        assert sum(person.email in email for email in emails) == 1, person.email
    assert OutboxMessage.objects.filter(job="hear_back.send_message").count() == 3
    jobs = OutboxMessage.objects.filter(job__startswith="hear_back")
    assert set(jobs.values_list("status", flat=True)) == {OutboxMessage.Status.DONE}
