"""Issue 15, one date and time style everywhere (GOV.UK): "9am", "3:21pm", "12pm", "12am", "4 March 2026",
"Tuesday 4 March 2026", "Tuesday 4 March 2026 at 9am", in local time (Europe/London), never "9:00 AM",
"3:21 a.m." or "03:25". The filters, Django's own fallbacks, and the main pages of the demo."""

import datetime
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from consultations.models import ConsultationPage
from governance.models import Body, Decision, Meeting, MinutesPage
from portal.accounts.models import User
from portal.dates import gov_date, gov_datetime, gov_day, gov_short_date, gov_time

UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")


def _render(text: str, **context) -> str:
    return Template(text).render(Context(context))


# --- the filters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("hour", "minute", "words"), [
    (9, 0, "9am"), (15, 21, "3:21pm"), (0, 0, "12am"), (12, 0, "12pm"), (3, 25, "3:25am"), (12, 5, "12:05pm"),
    (0, 30, "12:30am"), (23, 59, "11:59pm"), (10, 0, "10am"),
])
def test_times_are_written_the_gov_uk_way(hour, minute, words):
    assert gov_time(datetime.time(hour, minute)) == words
    moment = datetime.datetime(2026, 1, 14, hour, minute, tzinfo=LONDON)
    assert gov_time(moment) == words
    assert _render("{{ moment|gov_time }}", moment=moment) == words


def test_dates_and_dates_with_times():
    moment = datetime.datetime(2026, 3, 3, 9, 0, tzinfo=LONDON)

    assert gov_date(moment) == "3 March 2026" and gov_date(datetime.date(2026, 3, 4)) == "4 March 2026"
    assert gov_day(moment) == "Tuesday 3 March 2026"
    assert gov_datetime(moment) == "Tuesday 3 March 2026 at 9am"
    assert gov_datetime(moment, weekday=False) == "3 March 2026 at 9am"
    assert gov_short_date(moment) == "3 Mar 2026"
    assert _render(
        '{{ m|gov_date }}|{{ m|gov_day }}|{{ m|gov_datetime }}|{{ m|gov_datetime:"no weekday" }}|{{ m|gov_short_date }}', m=moment
    ) == "3 March 2026|Tuesday 3 March 2026|Tuesday 3 March 2026 at 9am|3 March 2026 at 9am|3 Mar 2026"
    assert gov_date(None) == gov_time(None) == gov_datetime(None) == "" == _render("{{ m|gov_datetime }}", m=None)


@pytest.mark.parametrize(("utc", "words"), [
    # Clocks go forward at 1am GMT on 29 March 2026 ...
    (datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Sunday 29 March 2026 at 12:30am"),
    (datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Sunday 29 March 2026 at 2:30am"),
    # ... and back at 2am BST on 25 October 2026: 1:30am happens twice.
    (datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Sunday 25 October 2026 at 1:30am"),
    (datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sunday 25 October 2026 at 1:30am"),
    # Summer: 2:21pm UTC is 3:21pm in London; just before midnight UTC is already the next day.
    (datetime.datetime(2026, 7, 1, 14, 21, tzinfo=UTC), "Wednesday 1 July 2026 at 3:21pm"),
    (datetime.datetime(2026, 6, 30, 23, 0, tzinfo=UTC), "Wednesday 1 July 2026 at 12am"),
    (datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC), "Thursday 31 December 2026 at 11pm"),
])
def test_moments_are_shown_in_local_time_across_the_clock_changes(utc, words):
    assert gov_datetime(utc) == words
    assert _render("{{ moment|gov_datetime }}", moment=utc) == words


def test_djangos_own_formats_agree_when_a_template_falls_back_to_them():
    moment = datetime.datetime(2026, 7, 1, 14, 21, tzinfo=UTC)
    noon = datetime.datetime(2026, 7, 1, 11, 0, tzinfo=UTC)

    assert _render("{{ m }}", m=moment) == "Wednesday 1 July 2026 at 3:21pm"
    assert _render("{{ m|date }}|{{ m|time }}|{{ n|time }}", m=moment, n=noon) == "1 July 2026|3:21pm|12pm"
    assert _render("{{ d }}", d=datetime.date(2026, 3, 4)) == "4 March 2026"
    assert "AM" not in _render('{{ m|date:"g:i A" }}', m=noon) and "a.m." not in _render('{{ m|date:"P" }}', m=noon)


# --- the main pages of the demo -------------------------------------------------------------------
class _Visible(HTMLParser):
    """The text a person sees: no scripts or styles, no attribute values (a `<time datetime>` is for machines)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in {"script", "style", "template"}
        self.parts.append("\n")

    def handle_endtag(self, tag):
        self.hidden -= tag in {"script", "style", "template"}
        self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


WRONG_TIMES = [
    (re.compile(r"\b(?:AM|PM)\b"), "AM or PM"),
    (re.compile(r"\b[ap]\.m\.", re.IGNORECASE), "a.m. or p.m."),
    (re.compile(r"\b\d{1,2}:\d\d(?!\d|:?\d|am|pm)"), "a 24-hour time or a time with no am or pm"),
    (re.compile(r"\b\d{1,2}:00 ?(?:am|pm)\b"), "':00' in a time"),
    (re.compile(r"\b\d{1,2}:\d\d:\d\d\b"), "seconds in a time"),
    (re.compile(r"\b(?:noon|midnight)\b"), "noon or midnight instead of 12pm or 12am"),
]


def wrong_times(text: str) -> list[str]:
    found = []
    for pattern, what in WRONG_TIMES:
        for match in pattern.finditer(text):
            found.append(f"{what}: …{text[max(0, match.start() - 40):match.end() + 10]!r}…")
    return found


def test_the_check_would_catch_what_the_tester_saw():
    for seen in ["Opens 4 March 2026, 9:00 AM", "Taken on 4 March 2026, 3:21 a.m.", "Made 4 March 2026, 03:25",
                 "closes at 15:21.", "at 9:00am", "Changed 4 March 2026, 10:02:03", "at noon"]:
        assert wrong_times(seen), seen
    assert not wrong_times("Tuesday 4 March 2026 at 9am, 3:21pm, 12pm and 12am. Open 11am to 3pm. Page 2 of 6.")


@pytest.fixture(scope="module")
def demo_with_a_late_meeting(demo_once, module_db):
    """The demo, seeded once for this module (tests/conftest.py's demo_once), and a meeting at a time with
    minutes, after 1pm, in summer time: every way a time can go wrong."""
    with module_db.unblock():
        board = Body.objects.order_by("pk").first()
        summer = timezone.now().replace(month=7, day=1, hour=14, minute=21, second=0, microsecond=0, tzinfo=UTC)
        Meeting.objects.create(body=board, title="Late summer meeting", is_public=True,
                               starts_at=summer + datetime.timedelta(days=400))


@pytest.fixture
def demo(demo_with_a_late_meeting, seeded_demo, home_page):
    """Each test's own savepoint over the module's demo: what a test changes is undone after it."""


def _urls() -> list[str]:
    urls = ["/", "/transparency/", "/governance/", "/governance/decisions/", "/governance/meetings/",
            "/governance/evidence/", "/ballots/"]
    urls += [f"/governance/decisions/{ref}/" for ref in Decision.objects.values_list("reference", flat=True)]
    urls += [f"/governance/bodies/{slug}/" for slug in Body.objects.values_list("slug", flat=True)]
    urls += [f"/governance/meetings/{pk}/" for pk in Meeting.objects.values_list("pk", flat=True)]
    urls += [page.url for page in ConsultationPage.objects.live()]
    urls += [page.url for page in MinutesPage.objects.live()]
    return urls


@pytest.mark.parametrize("who", ["the public", "trustee@example.org", "secretary@example.org", "service.user@example.org"])
def test_no_main_page_of_the_demo_shows_a_time_any_other_way(client, demo, who):
    if who != "the public":
        client.force_login(User.objects.get(email=who))
    found, seen = [], 0
    for url in _urls():
        reply = client.get(url)
        if reply.status_code != 200:
            continue
        seen += 1
        text = visible_text(reply.content.decode())
        found += [f"{url}: {problem}" for problem in wrong_times(text)]
    assert seen >= 15
    assert not found, "\n".join(found)


def test_the_demo_meeting_pages_show_gov_uk_times(client, demo):
    client.force_login(User.objects.get(email="secretary@example.org"))
    meeting = Meeting.objects.get(title="Late summer meeting")
    html = visible_text(client.get(f"/governance/meetings/{meeting.pk}/").content.decode())
    assert f"{gov_day(meeting.starts_at)} at 3:21pm" in html
    body = visible_text(client.get(f"/governance/bodies/{meeting.body.slug}/").content.decode())
    assert f"{gov_day(meeting.starts_at)} at 3:21pm: Late summer meeting" in body
