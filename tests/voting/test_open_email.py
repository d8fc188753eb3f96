"""Voters are told a ballot is open: one email each, checked again at sending time, never repeated."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal.accounts.models import Profile
from portal.jobs.models import OutboxMessage
from tests.governance.factories import make_body
from voting.jobs import ballot_opened, send_open_email
from voting.models import Ballot
from voting.services import ballot_close, ballot_open, vote_cast

from .test_casting import make_ballot, voters_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(home_page):
    body = make_body(code="TB", members=4, lived=2)
    return make_ballot(body, kind=Ballot.Kind.SINGLE, options=("Ana", "Bo")), voters_of(body)


def test_opening_a_ballot_emails_each_voter_once_with_when_and_where_to_vote(
    election, django_capture_on_commit_callbacks
):
    ballot, voters = election
    with django_capture_on_commit_callbacks(execute=True):
        ballot_open(ballot=ballot, user=None)
    assert sorted(email.to[0] for email in mail.outbox) == sorted(v.email for v in voters)
    email = mail.outbox[0]
    assert email.subject == "Voting is open: Trustee election"
    closes = timezone.localtime(ballot.closes_at)
    assert f"closes on {closes:%A} {closes.day} {closes:%B %Y}" in email.body
    assert f"/ballots/{ballot.pk}/vote/" in email.body and "secret ballot" in email.body
    assert "&" not in email.subject and "&#" not in email.body

    with django_capture_on_commit_callbacks(execute=True):
        ballot_opened(ballot_id=ballot.pk)  # the fan-out run again (a redelivery): nobody is emailed twice
    assert len(mail.outbox) == len(voters)
    assert OutboxMessage.objects.filter(job="voting.send_open_email").count() == len(voters)


def test_nobody_is_emailed_who_asked_not_to_be_contacted_or_is_no_longer_active(
    election, django_capture_on_commit_callbacks
):
    ballot, voters = election
    Profile.objects.create(user=voters[0], contact_method=Profile.ContactMethod.NONE)
    voters[1].is_active = False
    voters[1].save()
    with django_capture_on_commit_callbacks(execute=True):
        ballot_open(ballot=ballot, user=None)
    assert sorted(email.to[0] for email in mail.outbox) == sorted(v.email for v in voters[2:])


def test_the_email_is_checked_again_when_it_is_sent(election, django_capture_on_commit_callbacks):
    """Queued emails wait (a slow queue today): by the time they run, things have changed."""
    ballot, voters = election
    with django_capture_on_commit_callbacks(execute=False):
        ballot_open(ballot=ballot, user=None)
    ballot_opened(ballot_id=ballot.pk)  # fans out; the emails themselves are not sent yet
    voted, withdrew, waiting = voters[0], voters[1], voters[2]
    vote_cast(ballot=ballot, user=voted, choices=[ballot.options.first().pk])
    Profile.objects.create(user=withdrew, contact_method=Profile.ContactMethod.NONE)
    for person in (voted, withdrew, waiting):
        send_open_email(ballot_id=ballot.pk, user_id=person.pk)
    assert [email.to for email in mail.outbox] == [[waiting.email]]

    ballot_close(ballot=ballot)
    send_open_email(ballot_id=ballot.pk, user_id=voters[3].pk)  # too late: voting has closed
    assert len(mail.outbox) == 1


def test_a_ballot_that_opens_later_says_when_voting_starts(home_page, django_capture_on_commit_callbacks):
    body = make_body(code="SU", members=1, lived=1)
    ballot = make_ballot(body, kind=Ballot.Kind.MOTION, secret=False)
    Ballot.objects.filter(pk=ballot.pk).update(opens_at=timezone.now() + timedelta(days=2),
                                               closes_at=timezone.now() + timedelta(days=9))
    ballot.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ballot_open(ballot=ballot, user=None)
    opens = timezone.localtime(ballot.opens_at)
    (email,) = mail.outbox
    assert f"Voting opens on {opens:%A} {opens.day} {opens:%B %Y}" in email.body
    assert "named vote: your name is recorded" in email.body


def test_opening_without_telling_voters_queues_nothing(election, django_capture_on_commit_callbacks):
    ballot, _ = election
    with django_capture_on_commit_callbacks(execute=True):
        ballot_open(ballot=ballot, user=None, tell_voters=False)
    assert mail.outbox == [] and not OutboxMessage.objects.filter(job__startswith="voting.").exists()
