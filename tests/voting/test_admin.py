"""Returning officers run ballots in the Wagtail admin: set up, upload the electorate, open, close."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.accounts import roles
from portal.audit.models import AuditEvent
from voting.models import Ballot, BallotFrozen, BallotOption, ListedVoter, RollEntry

pytestmark = pytest.mark.django_db

NEW = "/admin/voting/ballots/new/"


def _when(days_open=7):
    now = timezone.now()
    return (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"), (now + timedelta(days=days_open)).strftime("%Y-%m-%d %H:%M")


def ballot_form(options=("Ana", "Bo", "Cy"), existing=(), **fields):
    """The admin form's POST data: ballot fields plus the inline options formset."""
    opens, closes = _when()
    data = {
        "title": "Election of a service-user trustee", "description": "", "kind": "stv", "seats": "2",
        "electorate": "list", "body": "", "opens_at": opens, "closes_at": closes, "threshold": "simple",
        "turnout_quorum": "", "secret": "on", "decision": "",
        "options-TOTAL_FORMS": str(len(existing) + len(options)), "options-INITIAL_FORMS": str(len(existing)),
        "options-MIN_NUM_FORMS": "0", "options-MAX_NUM_FORMS": "1000",
    }
    rows = [(option.pk, option.label) for option in existing] + [("", label) for label in options]
    for n, (pk, label) in enumerate(rows):
        data.update({f"options-{n}-id": pk, f"options-{n}-label": label, f"options-{n}-statement": f"I am {label}.",
                     f"options-{n}-photo": "", f"options-{n}-ORDER": str(n + 1), f"options-{n}-DELETE": ""})
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def officer(client, home_page, user_factory):
    person = user_factory(roles=[roles.RETURNING_OFFICERS], display_name="Returning officer")
    client.force_login(person)
    return person


def _upload(client, ballot, text: str):
    return client.post(
        f"/admin/voting/ballots/{ballot.pk}/electorate/",
        {"list": SimpleUploadedFile("voters.csv", text.encode(), content_type="text/csv")},
    )


def test_a_returning_officer_sets_up_uploads_opens_and_closes_an_election(
    client, officer, user_factory, django_capture_on_commit_callbacks
):
    from django.core import mail

    reply = client.post(NEW, ballot_form())
    assert reply.status_code == 302, reply.content.decode()[:3000]
    ballot = Ballot.objects.get()
    assert list(ballot.options.values_list("label", flat=True)) == ["Ana", "Bo", "Cy"]
    assert ballot.status == Ballot.Status.DRAFT

    voters = [user_factory(email=f"voter{n}@example.org") for n in range(3)]
    reply = _upload(client, ballot, "email,name\nVOTER0@example.org,Zero\nvoter1@example.org,One\n\nvoter2@example.org,Two\n")
    assert reply.status_code == 302
    assert set(ListedVoter.objects.values_list("voter_id", flat=True)) == {v.pk for v in voters}

    page = client.get(f"/admin/voting/ballots/{ballot.pk}/open/").content.decode()
    assert "3 people are put on the electoral roll" in page
    assert "Everyone on the roll who accepts email is emailed that they can vote" in page
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(f"/admin/voting/ballots/{ballot.pk}/open/")
    assert reply.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == [v.email for v in voters]
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.OPEN
    assert RollEntry.objects.filter(ballot=ballot).count() == 3

    reply = client.post(f"/admin/voting/ballots/{ballot.pk}/close/")
    assert reply.status_code == 302
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.CLOSED and ballot.tally_hash
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["voting.electorate_listed", "voting.ballot_opened", "voting.ballot_closed"]


def test_a_list_with_any_bad_row_imports_nobody_and_names_each_bad_row(client, officer, user_factory):
    client.post(NEW, ballot_form())
    ballot = Ballot.objects.get()
    user_factory(email="here@example.org")
    user_factory(email="gone@example.org", is_active=False)
    reply = _upload(
        client, ballot,
        "email\nhere@example.org\nnot-an-email\nnobody@example.org\nHERE@example.org\ngone@example.org\n,\n",
    )
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "Nothing was imported" in page
    assert "Row 3: &#x27;not-an-email&#x27; is not an email address." in page
    assert "Row 4: nobody has an account with the email nobody@example.org." in page
    assert "Row 5: HERE@example.org is already listed in row 2." in page
    assert "Row 6: the account for gone@example.org is switched off." in page
    assert ListedVoter.objects.count() == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "The file is empty"),
        ("name\nAna\n", "column headed &#x27;email&#x27;"),
        ("email\n", "no email addresses under it"),
    ],
)
def test_an_unusable_file_is_explained(client, officer, text, message):
    client.post(NEW, ballot_form())
    reply = _upload(client, Ballot.objects.get(), text)
    assert reply.status_code == 400 and message in reply.content.decode()


def test_a_file_that_is_not_text_is_explained(client, officer):
    client.post(NEW, ballot_form())
    ballot = Ballot.objects.get()
    reply = client.post(f"/admin/voting/ballots/{ballot.pk}/electorate/",
                        {"list": SimpleUploadedFile("v.csv", b"\x00\xff\xfe\x81" * 10)})
    # cp1252 reads almost anything; what matters is a plain answer and nothing imported.
    assert reply.status_code == 400 and ListedVoter.objects.count() == 0


def test_plain_messages_for_a_ballot_that_cannot_work(client, officer):
    opens, closes = _when()
    reply = client.post(NEW, ballot_form(kind="irv", seats="2", electorate="body", closes_at=opens, threshold="two_thirds"))
    page = reply.content.decode()
    assert reply.status_code == 200
    assert "The ballot must close after it opens." in page
    assert "Choose the body whose members can vote" in page
    assert "Only single transferable vote elections can fill more than one seat" in page
    assert "A two-thirds threshold applies to motions only." in page
    assert not Ballot.objects.exists()


def test_opening_is_refused_with_reasons(client, officer):
    client.post(NEW, ballot_form(options=("Only one",)))
    ballot = Ballot.objects.get()
    reply = client.post(f"/admin/voting/ballots/{ballot.pk}/open/")
    page = reply.content.decode()
    assert reply.status_code == 400
    assert "Add at least two options" in page and "There are 2 seats but only 1 candidates" in page
    assert "Nobody is on the electorate yet" not in page  # the list is checked only once the rules are right
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.DRAFT


@pytest.fixture
def opened(client, officer, user_factory):
    client.post(NEW, ballot_form())
    ballot = Ballot.objects.get()
    user_factory(email="v@example.org")
    _upload(client, ballot, "email\nv@example.org\n")
    client.post(f"/admin/voting/ballots/{ballot.pk}/open/")
    ballot.refresh_from_db()
    assert ballot.status == Ballot.Status.OPEN
    return ballot


def test_after_opening_options_and_rules_cannot_change_and_the_officer_is_told_why(client, opened):
    edit = f"/admin/voting/ballots/edit/{opened.pk}/"
    options = list(opened.options.all())
    page = client.get(edit).content.decode()
    assert "nothing else can change" in page

    assert page.count("Fixed when the ballot opened.") == len(Ballot.FROZEN_FIELDS)
    # A crafted request that sends new values anyway changes nothing: the fields are disabled.
    reply = client.post(edit, ballot_form(options=(), existing=options, seats="1", title="A different title"))
    opened.refresh_from_db()
    assert (opened.seats, opened.title) == (2, "Election of a service-user trustee")

    renamed = ballot_form(options=(), existing=options)
    renamed["options-0-label"] = "Someone else"
    client.post(edit, renamed)

    added = ballot_form(options=("Late entry",), existing=options)
    assert "so its options cannot change" in client.post(edit, added).content.decode()
    assert list(opened.options.values_list("label", flat=True)) == ["Ana", "Bo", "Cy"]

    reply = _upload(client, opened, "email\nv@example.org\n")
    assert reply.status_code == 400 and "its electorate cannot change" in reply.content.decode()

    # The description may still be corrected.
    fixed = ballot_form(options=(), existing=options, description="Corrected wording.")
    fixed["title"], fixed["seats"] = opened.title, str(opened.seats)
    fixed["opens_at"] = timezone.localtime(opened.opens_at).strftime("%Y-%m-%d %H:%M")
    fixed["closes_at"] = timezone.localtime(opened.closes_at).strftime("%Y-%m-%d %H:%M")
    reply = client.post(edit, fixed)
    assert reply.status_code == 302, reply.content.decode()[:3000]
    opened.refresh_from_db()
    assert opened.description == "Corrected wording."


def test_the_models_refuse_changes_after_opening_whatever_the_route(opened, user_factory):
    option = opened.options.first()
    option.label = "Changed"
    with pytest.raises(BallotFrozen):
        option.save()
    with pytest.raises(BallotFrozen):
        option.delete()
    with pytest.raises(BallotFrozen):
        BallotOption.objects.create(ballot=opened, label="New")
    with pytest.raises(BallotFrozen):
        ListedVoter.objects.create(ballot=opened, voter=user_factory())
    opened.seats = 1
    with pytest.raises(BallotFrozen):
        opened.save()


@pytest.mark.parametrize(
    "role, allowed",
    [(roles.RETURNING_OFFICERS, True), (roles.TRUSTEES, False), (roles.SECRETARIES, False), (roles.SERVICE_USERS, False)],
)
def test_only_returning_officers_run_ballots(client, home_page, user_factory, role, allowed):
    client.force_login(user_factory(roles=[role]))
    assert (client.get("/admin/voting/ballots/").status_code == 200) is allowed
    assert (client.get(NEW).status_code == 200) is allowed
