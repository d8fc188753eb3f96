"""Erasing an account: what goes, what stays anonymously, who is refused and why, and the commands."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.search.index import insert_or_update_object
from wagtail.search.models import IndexEntry

from consultations.models import Answer, Response
from governance.models import Body, Membership
from portal.accounts import roles
from portal.audit.models import ActorPseudonym, AuditEvent
from portal.audit.services import actor_key_for
from portal.home.models import StandardPage
from portal.privacy import registry
from portal.privacy.erasure import ERASED_NAME, SELF, ErasureRefused, person_erase
from portal.privacy.models import ErasedAccount
from tests.consultations.factories import make_consultation

from .world import KINDS, answer

pytestmark = pytest.mark.django_db
User = get_user_model()


def membership(person, role, *, ended=False):
    body, _ = Body.objects.get_or_create(code="TB", defaults={"name": "Board of Trustees", "slug": "tb"})
    today = timezone.localdate()
    return Membership.objects.create(
        body=body, person=person, role=role, starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=1) if ended else None,
    )


def test_named_answers_stay_without_a_name_and_unsent_drafts_are_deleted(home_page, service_user):
    sent = answer(make_consultation(kinds=KINDS, identity="named"), service_user)
    draft = answer(make_consultation(kinds=KINDS, identity="named"), service_user, submit=False)
    answers = Answer.objects.filter(response=sent).count()
    person_erase(person=service_user)
    sent.refresh_from_db()
    assert sent.respondent is None and sent.status == Response.Status.SUBMITTED
    assert Answer.objects.filter(response=sent).count() == answers > 0
    assert not Response.objects.filter(pk=draft.pk).exists()
    assert not Response.history.filter(id=draft.pk).exists()
    assert not Response.history.filter(respondent_id__isnull=False).exists()


def test_a_current_trustee_is_told_why_and_is_not_erased(client, home_page, user_factory):
    trustee = user_factory()
    membership(trustee, Membership.Role.TRUSTEE)
    with pytest.raises(ErasureRefused, match="register of who holds these roles"):
        person_erase(person=trustee)
    client.force_login(trustee)
    page = client.get(reverse("privacy:erase")).content.decode()
    assert "We cannot erase your account yet" in page and "trustee of Board of Trustees" in page
    assert "Type your password" not in page
    refused = client.post(reverse("privacy:erase"), {"password": "a calm green river 42"})
    assert refused.status_code == 400 and User.objects.filter(pk=trustee.pk).exists()


def test_people_in_the_trustees_group_and_site_administrators_are_refused(home_page, user_factory):
    for person in (user_factory(roles=[roles.TRUSTEES]), user_factory(is_superuser=True, is_staff=True)):
        with pytest.raises(ErasureRefused):
            person_erase(person=person)
        assert User.objects.filter(pk=person.pk).exists()


def test_a_former_trustees_record_is_kept_under_a_nameless_husk(home_page, user_factory):
    former = user_factory()
    seat = membership(former, Membership.Role.TRUSTEE, ended=True)
    report = person_erase(person=former)
    seat.refresh_from_db()
    husk = seat.person
    assert husk.pk == report.husk_id != former.pk
    assert husk.display_name == ERASED_NAME and husk.email.endswith("@invalid.example")
    assert not husk.is_active and not husk.has_usable_password() and not husk.groups.exists()
    assert ErasedAccount.objects.filter(user=husk).exists()
    assert Membership.history.filter(id=seat.pk).exclude(person_id=husk.pk).count() == 0


def test_the_erase_page_asks_for_the_password_then_signs_out_with_a_goodbye(client, home_page, service_user, password):
    client.force_login(service_user)
    page = client.get(reverse("privacy:erase")).content.decode()
    assert "What stays, with no name" in page and "Companies Act 2006" in page
    wrong = client.post(reverse("privacy:erase"), {"password": "not it"})
    assert wrong.status_code == 400 and "That is not your password" in wrong.content.decode()
    assert User.objects.filter(pk=service_user.pk).exists()
    done = client.post(reverse("privacy:erase"), {"password": password})
    assert done.url == reverse("privacy:erased")
    assert not User.objects.filter(pk=service_user.pk).exists()
    goodbye = client.get(done.url)
    assert "Your account has been erased" in goodbye.content.decode()
    assert not goodbye.wsgi_request.user.is_authenticated


def test_erasure_ends_the_persons_sessions_in_the_database_and_in_the_cache(client, home_page, service_user):
    """Sessions are read from the cache first: a copy left there would still hold what the person typed
    while signed out (kept until they sign in) and their drafts' links."""
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    client.force_login(service_user)
    session = client.session
    session["consultation_typed_signed_out"] = {"token": {"1": "what I typed while signed out"}}
    session.save()
    key = session.session_key
    assert cache.get(KEY_PREFIX + key) is not None and Session.objects.filter(pk=key).exists()
    person_erase(person=service_user, channel=SELF)
    assert cache.get(KEY_PREFIX + key) is None
    assert not Session.objects.filter(pk=key).exists()
    assert not client.get(reverse("accounts:profile")).wsgi_request.user.is_authenticated


def test_a_session_put_back_in_the_cache_before_the_erasure_commits_is_dropped_after(
    client, home_page, service_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The person's other tab may ask for a page while the erasure runs: Django finds the session row
    (not deleted until the commit) and copies it back into the cache. That copy must go too."""
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    from portal.privacy import erasure

    client.force_login(service_user)
    key = client.session.session_key
    copy = cache.get(KEY_PREFIX + key)
    real = erasure._delete_messages_to

    def other_tab_then_delete(person):
        cache.set(KEY_PREFIX + key, copy)  # what SessionStore.load() does on a cache miss
        return real(person)

    monkeypatch.setattr(erasure, "_delete_messages_to", other_tab_then_delete)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=service_user, channel=SELF)
    assert cache.get(KEY_PREFIX + key) is None


def test_the_erasure_is_one_transaction(home_page, service_user, monkeypatch):
    key = actor_key_for(service_user)

    def broken(ctx):
        raise RuntimeError("disk full")

    monkeypatch.setitem(registry.ERASERS, "broken", broken)
    with pytest.raises(RuntimeError):
        person_erase(person=service_user)
    assert User.objects.filter(pk=service_user.pk, email=service_user.email).exists()
    assert ActorPseudonym.objects.filter(key=key, user=service_user).exists()
    assert not AuditEvent.objects.filter(action="account.erased").exists()


def test_the_ledger_records_the_erasure_without_the_persons_key_or_id(home_page, service_user):
    key = actor_key_for(service_user)
    old_id = service_user.pk
    person_erase(person=service_user, channel=SELF)
    event = AuditEvent.objects.get(action="account.erased")
    assert event.data["channel"] == "self"
    assert event.actor_key == "" and event.target_type == "" and event.target_id == ""
    text = json.dumps(event.data)
    assert key not in text and service_user.email not in text and service_user.display_name not in text
    assert str(old_id) not in [str(v) for v in event.data.values()]
    assert not ActorPseudonym.objects.filter(key=key).exists()


def test_the_husk_has_no_date_of_its_own(home_page, user_factory):
    former = user_factory()
    seat = membership(former, Membership.Role.TRUSTEE, ended=True)
    person_erase(person=former)
    husk = Membership.objects.get(pk=seat.pk).person
    assert husk.date_joined.year == 2000 and husk.last_login is None
    if connection.vendor == "postgresql":  # its id does not date it among the others
        assert husk.pk >= 2**40
    assert [f.name for f in ErasedAccount._meta.concrete_fields] == ["user"]


# --- commands for requests by phone or letter ----------------------------------------------------------

def test_commands_refuse_an_unknown_email_plainly(tmp_path):
    with pytest.raises(CommandError, match="No account has the email address"):
        call_command("erase_person", "nobody@example.org", "--yes")
    with pytest.raises(CommandError, match="No account has the email address"):
        call_command("export_person", "nobody@example.org", "--output", str(tmp_path / "x.json"))
    assert not AuditEvent.objects.exists()


def test_erase_person_asks_for_confirmation(home_page, service_user, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("erase_person", service_user.email)
    assert User.objects.filter(pk=service_user.pk).exists()
    monkeypatch.setattr("builtins.input", lambda prompt: "erase")
    call_command("erase_person", service_user.email)
    assert not User.objects.filter(pk=service_user.pk).exists()


def test_erase_person_records_the_staff_member_but_not_whom_they_erased(home_page, service_user, user_factory, capsys):
    staff = user_factory()
    key = actor_key_for(service_user)
    call_command("erase_person", service_user.email.upper(), "--yes", "--by", staff.email)
    event = AuditEvent.objects.get(action="account.erased")
    assert event.actor_key == actor_key_for(staff) and key not in json.dumps(event.data) and not event.target_id
    assert event.data["channel"] == "staff_command"
    assert f"event #{event.pk}" in capsys.readouterr().out


def test_erase_person_explains_a_refusal(home_page, user_factory):
    trustee = user_factory()
    membership(trustee, Membership.Role.SECRETARY)
    with pytest.raises(CommandError, match="cannot be erased yet"):
        call_command("erase_person", trustee.email, "--yes")
    assert User.objects.filter(pk=trustee.pk).exists()


def test_export_person_writes_my_data_and_records_it(home_page, service_user, tmp_path):
    out = tmp_path / "data.json"
    call_command("export_person", service_user.email, "--output", str(out))
    data = json.loads(out.read_text())
    assert data["account"]["email"] == service_user.email and "consents" in data
    event = AuditEvent.objects.get(action="privacy.data_exported")
    assert event.target_id == str(service_user.pk) and event.data == {"channel": "staff_command"}
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_person", service_user.email, "--output", str(out))


def test_search_entries_that_still_mention_the_person_are_rebuilt_from_the_data_as_it_is(home_page, user_factory):
    person = user_factory(display_name="Ottoline Brackenbury")
    page = StandardPage(title="Thanks to Ottoline Brackenbury", slug="thanks")
    home_page.add_child(instance=page)
    insert_or_update_object(page)
    StandardPage.objects.filter(pk=page.pk).update(title="Thanks to our volunteers")  # the index is now stale
    names = {f.name for f in IndexEntry._meta.concrete_fields}
    text = "title_text" if "title_text" in names else "title"  # PostgreSQL keeps the words beside its vectors
    assert IndexEntry.objects.filter(**{f"{text}__icontains": "Brackenbury"}).exists()
    report = person_erase(person=person)
    assert report.counts["search_entries_cleaned"] == 1
    assert not IndexEntry.objects.filter(**{f"{text}__icontains": "Brackenbury"}).exists()
    assert IndexEntry.objects.filter(**{f"{text}__icontains": "volunteers"}).exists()


def test_emails_queued_or_sent_to_the_person_go_with_the_account(home_page, service_user, user_factory,
                                                                   django_capture_on_commit_callbacks):
    """A "voting is open" email (sent) and a receipt-like job (waiting) both name the person's id."""
    from django.core import mail

    from portal.jobs.models import OutboxMessage
    from portal.jobs.services import outbox_enqueue
    from tests.governance.factories import make_body
    from tests.voting.test_casting import make_ballot
    from voting.models import Ballot, ListedVoter
    from voting.services import ballot_open

    other = user_factory()
    ballot = make_ballot(make_body(code="EL", members=1, lived=1), kind=Ballot.Kind.MOTION,
                         electorate=Ballot.Electorate.LIST)
    ListedVoter.objects.bulk_create([ListedVoter(ballot=ballot, voter=p) for p in (service_user, other)])
    with django_capture_on_commit_callbacks(execute=True):
        ballot_open(ballot=ballot, user=None)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([service_user.email, other.email])
    waiting = outbox_enqueue(job="voting.send_open_email", payload={"ballot_id": ballot.pk, "user_id": service_user.pk})
    old_id = service_user.pk

    report = person_erase(person=service_user)

    assert not OutboxMessage.objects.filter(payload__user_id=old_id).exists()
    assert not OutboxMessage.objects.filter(pk=waiting.pk).exists()
    assert report.counts["messages_to_them_deleted"] == 2
    assert OutboxMessage.objects.filter(payload__user_id=other.pk).count() == 1  # someone else's stays
