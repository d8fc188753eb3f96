"""The consultations index: open and upcoming ones in full, closed ones newest first, 20 to a page."""

from datetime import timedelta

from django.utils import timezone

from consultations.models import CLOSED_PER_PAGE

from .factories import make_consultation, make_index


def test_closed_consultations_are_listed_newest_first_a_page_at_a_time(home_page, client):
    index = make_index(home_page)
    now = timezone.now()
    make_consultation(parent=index, title="Still open")
    for n in range(CLOSED_PER_PAGE + 2):
        make_consultation(parent=index, title=f"Closed number {n}", opens_at=now - timedelta(days=60),
                          closes_at=now - timedelta(days=n + 1))

    first = client.get(index.url).content.decode()
    second = client.get(index.url, {"page": 2}).content.decode()

    assert "Still open" in first and "Still open" in second
    assert "Closed number 0<" in first and f"Closed number {CLOSED_PER_PAGE - 1}<" in first
    assert f"Closed number {CLOSED_PER_PAGE}<" not in first
    assert 'href="?page=2#closed"' in first and "Page 1 of 2, newest first." in first
    assert f"Closed number {CLOSED_PER_PAGE}<" in second and f"Closed number {CLOSED_PER_PAGE + 1}<" in second
    assert "Closed number 0<" not in second
