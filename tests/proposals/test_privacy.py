"""Proposals in "Your data" and in erasure: the person sees what they raised, supported and wrote; after
erasure everything they wrote says "a member" and their name is nowhere on its pages."""

import pytest
from django.urls import reverse

from governance.models import AgendaItem
from portal.privacy.erasure import person_erase
from proposals import moderation, services
from proposals.models import Comment, Proposal
from tests.governance.factories import make_meeting

from .factories import council, make_proposal, service_user

pytestmark = pytest.mark.django_db


def test_your_data_lists_proposals_raised_supported_and_comments_written(client, home_page):
    person, other = service_user(display_name="Robin Ash"), service_user()
    make_proposal(author=person, title="Quiet room on Tuesdays", show_name=True)
    theirs = make_proposal(author=other, title="Open on Sundays")
    services.support_add(proposal=theirs, user=person)
    moderation.comment_post(proposal=theirs, user=person, text="Sundays are hard for me.", show_name=False)
    client.force_login(person)
    page = client.get(reverse("privacy:my-data")).content.decode()
    assert "What I raised and supported" in page
    assert "Quiet room on Tuesdays" in page and "Your name is shown with it." in page
    assert "You support this proposal." in page and "Open on Sundays" in page
    assert "Sundays are hard for me." in page


def test_erasure_takes_the_name_off_everything_the_person_wrote(client, home_page):
    person = service_user(display_name="Robin Ash")
    body = council(threshold=1)
    make_meeting(body, held=False)
    proposal = make_proposal(body, author=person, title="Quiet room on Tuesdays", show_name=True, supporters=1)
    assert "Robin Ash" in AgendaItem.objects.get(pk=proposal.agenda_item_id).description
    moderation.comment_post(proposal=proposal, user=person, text="I would use it every week.", show_name=True)
    report = person_erase(person=person)
    proposal.refresh_from_db()
    assert proposal.show_name is False and not Comment.objects.filter(show_name=True).exists()
    assert report.counts.get("proposals_made_anonymous") == 1 and report.counts.get("comments_made_anonymous") == 1
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "Quiet room on Tuesdays" in page and "Robin Ash" not in page
    assert "Robin Ash" not in AgendaItem.objects.get(pk=proposal.agenda_item_id).description
    assert not AgendaItem.history.filter(description__contains="Robin Ash").exists()  # nor its earlier versions
