"""Demo content for the site itself: a couple of plain pages under the home page."""

import datetime

from django.utils import timezone

from .models import HomePage, StandardPage

ABOUT_BODY = [
    ("heading", {"text": "Who we are", "size": "h2"}),
    (
        "paragraph",
        "<p>We are a peer-support charity. Everyone who works here, and most of our trustees, has lived "
        "experience of mental ill-health.</p>",
    ),
    ("inset", {"text": "<p>“Nothing about us without us.”</p>"}),
    (
        "details",
        {"summary": "How we use what you tell us", "text": "<p>We only use your answers to make our services better. We never show your name next to your answers unless you say we can.</p>"},
    ),
]


def seed() -> None:
    """Publish an 'About us' page under the home page once."""
    home = HomePage.objects.first()
    if home is None or StandardPage.objects.filter(slug="about").exists():
        return
    page = StandardPage(title="About us", slug="about", summary="Who we are and how we work.", body=ABOUT_BODY)
    home.add_child(instance=page)
    page.save_revision().publish()


def month_name(months_ahead: int = 0, today=None) -> str:
    """The name of the month `months_ahead` from this one ("March"), so demo text written once stays
    true whenever the demo is loaded: "starting in March" beside "next month" never disagree."""
    today = today or timezone.localdate()
    index = (today.month - 1 + months_ahead) % 12
    return datetime.date(2000, index + 1, 1).strftime("%B")
