"""The evidence report in Chromium: a trustee reads it, checks a figure's records, makes a PDF and
downloads it; anonymous visitors see the public version and the transparency page.

The world is tests/governance/evidence_world.py (its figures are worked out by hand in
tests/governance/test_evidence.py) and the period is 1 January to 31 March 2025.

- A trustee signs in through the sign-in form and opens the report: the trustees' version, with a
  figure the public version hides ("14 of 16 (88%)" attendance, marked "Hidden in the public version").
- She follows "Decisions that cite what service users said" (19 of 27) to the decision register and
  finds exactly those 19 decisions; she follows "Actions due that were done on time" (3 of 5) to its
  records page and finds the 5 actions, 3 on time.
- Back on the report she presses "Make a PDF", waits on the job's status page (the job may be done
  before the page loads, or the page's script reloads it when it is) for the Download link and
  downloads the file: a PDF whose text holds the report's figures. Its first pages are turned into
  PNGs (pdftoppm) in artifacts/ for a person to look at.
- Anonymous visitors: the public report shows no number of people under 5 anywhere (every figure the
  trustees' version marks is "fewer than 5" or "hidden"), and /transparency/ shows a checkpoint.

Every page: 0 axe-core violations, no sideways scrolling at 390 and 1280 px, no script errors or failed
requests, and screenshots artifacts/evidence-NN-<step>-<width>.png.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from governance.evidence import evidence_report
from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.audit.services import audit_checkpoint, audit_record
from portal.jobs.models import LongJob
from tests.governance.evidence_world import PERIOD_END, PERIOD_START, build_world

from .helpers import ARTIFACTS, WIDE, Journey, assert_no_axe_violations, horizontal_overflow, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
QUERY = f"from={PERIOD_START}&to={PERIOD_END}"
CITE_INPUT = "Decisions that cite what service users said"
ON_TIME = "Actions due that were done on time"
ATTENDANCE = "Attendance of members in lived-experience seats"
# The decisions of the period that cite service-user input (19 of the 27).
SHAPED_KEYS = [
    *(f"tb-cite-{n}" for n in range(9)), "suc-recommends", *(f"suc-cite-{n}" for n in range(7)),
    *(f"fc-cite-{n}" for n in range(2)),
]


@pytest.fixture
def world(site_url, home_page):
    # The period is long past, so the real today gives the same figures as the world's TODAY.
    assert timezone.localdate() > PERIOD_END
    made = build_world(home_page)
    made.url = site_url
    return made


@pytest.fixture
def trustee(world, user_factory):
    return user_factory(roles=[roles.TRUSTEES], display_name="Tess Trustee")


class Pages(Journey):
    """A Journey whose pages are checked and photographed at 390 and at 1280 px."""

    def look(self, page, name: str) -> None:
        self.step += 1
        for viewport in (PHONE, WIDE):
            page.set_viewport_size(viewport)
            label = f"{self.prefix}-{self.step:02d}-{name}-{viewport['width']}"
            screenshot(page, label)
            assert horizontal_overflow(page) <= 0, f"{label} scrolls sideways ({page.url})"
            assert_no_axe_violations(page, label)
        page.set_viewport_size(self.viewport)
        assert self.problems == [], f"{name}: {self.problems}"


def figure_row(page, label: str):
    return page.locator("table.portal-evidence-table tr", has=page.get_by_role("rowheader", name=label))


def test_a_trustee_reads_the_report_checks_a_figure_and_downloads_it_as_a_pdf(
    browser, browser_context_args, world, trustee, password
):
    pages = Pages("evidence", WIDE)
    context, page = pages.open_tab(browser, browser_context_args)
    try:
        page.goto(f"{world.url}/account/sign-in/")
        page.get_by_label("Email address").fill(trustee.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

        report_url = _read_the_trustees_version(pages, page, world)
        _follow_figures_to_their_records(pages, page, world, report_url)
        pdf = _make_and_download_the_pdf(pages, page, trustee)
    finally:
        context.close()
    _read_and_draw_the_pdf(pdf)


def _read_the_trustees_version(pages, page, world) -> str:
    page.goto(f"{world.url}/governance/evidence/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence report")
    page.get_by_label("From").fill(PERIOD_START.isoformat())
    page.get_by_label("To", exact=True).fill(PERIOD_END.isoformat())
    page.get_by_role("button", name="Show the report").click()
    expect(page).to_have_url(re.compile(rf"/governance/evidence/\?{QUERY}&body=$"))
    expect(page.get_by_text("Trustees’ version", exact=True)).to_be_visible()
    expect(page.locator("#report-period")).to_have_text("1 January 2025 to 31 March 2025, all groups.")
    # A figure only trustees see: the public version hides it (2 of the 16 did not come).
    attendance = figure_row(page, ATTENDANCE)
    expect(attendance).to_contain_text("14 of 16 (88%)")
    expect(attendance).to_contain_text("Hidden in the public version")
    expect(page.locator("#origins-table")).to_contain_text("With a peer worker")
    expect(page.locator("#origins-table tr", has_text="With a peer worker").locator("td")).to_have_text("3")
    expect(figure_row(page, CITE_INPUT).locator("td")).to_have_text(
        f"19 of 27 (70%): see the records for {CITE_INPUT.lower()}"
    )
    pages.look(page, "report-trustees")
    return page.url


def _follow_figures_to_their_records(pages, page, world, report_url: str) -> None:
    link = figure_row(page, CITE_INPUT).get_by_role("link")
    cited = int(re.match(r"(\d+) of \d+", link.inner_text())[1])
    assert cited == len(SHAPED_KEYS) == 19
    link.click()

    expect(page).to_have_url(re.compile(r"/governance/decisions/\?.*shaped=yes"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision register")
    expect(page.locator("#decided-between")).to_have_text("Decided from 1 January 2025 up to 31 March 2025")
    expect(page.get_by_role("status")).to_have_text(f"{cited} decisions match")
    listed = page.locator("#decisions > li")
    expect(listed).to_have_count(cited)
    expect(listed.filter(has_text="Shaped by service-user input")).to_have_count(cited)
    references = {text.split(":")[0].strip() for text in listed.get_by_role("heading").all_inner_texts()}
    assert references == {world.decisions[key].reference for key in SHAPED_KEYS}
    pages.look(page, "records-decisions-citing-input")
    # Every filter fits its column, even a group with a long name, rather than running under the results
    # beside it (GOV.UK's select stops at its container's width; this keeps it so).
    page.locator("#id_body").evaluate(
        "select => select.add(new Option('The Lived Experience Advisory and Co-production Steering Group'))"
    )
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        column = page.locator("#id_shaped").locator("xpath=ancestor::form/..")  # the grid column, less its padding
        padding = column.evaluate("el => parseFloat(getComputedStyle(el).paddingRight)")
        edge = column.bounding_box()["x"] + column.bounding_box()["width"] - padding
        for select in page.locator("#id_shaped").locator("xpath=ancestor::form").locator("select").all():
            box = select.bounding_box()
            assert box["x"] + box["width"] <= edge + 0.5, (viewport, select.get_attribute("id"), box, edge)
    page.set_viewport_size(pages.viewport)

    page.go_back()
    expect(page).to_have_url(report_url)
    link = figure_row(page, ON_TIME).get_by_role("link")
    expect(link).to_contain_text("3 of 5 (60%)")
    link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Actions due")
    rows = page.locator("#records tbody tr")
    expect(rows).to_have_count(5)  # A1 A2 A3 A4 A7; A5 was cancelled, A6 is due after the period
    expect(page.locator("#records-caption")).to_have_text("5 records")
    expect(rows.locator("th")).to_have_text(["A7", "A1", "A2", "A3", "A4"])
    expect(rows.locator("td:last-child")).to_have_text(["Yes", "Yes", "No", "Yes", "No"])
    pages.look(page, "records-actions")

    # On a phone the table is wider than the screen: a line above it says to scroll sideways, and the
    # scrolling box is described by it. On a wide screen the table fits and the line goes away.
    hint = page.locator(".portal-table-scroll__hint")
    page.set_viewport_size(PHONE)
    expect(hint).to_be_visible()
    expect(hint).to_have_text("This table is wider than your screen: swipe or scroll sideways to see all of it.")
    hint_id = hint.get_attribute("id")
    expect(page.locator(".portal-table-scroll")).to_have_attribute("aria-describedby", hint_id)
    page.set_viewport_size(WIDE)
    expect(hint).to_be_hidden()
    expect(page.locator(".portal-table-scroll")).not_to_have_attribute("aria-describedby", hint_id)
    page.set_viewport_size(pages.viewport)

    page.get_by_role("link", name="Back to the evidence report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence report")
    expect(page.locator("#report-period")).to_contain_text("1 January 2025 to 31 March 2025")


def _make_and_download_the_pdf(pages, page, trustee) -> Path:
    page.get_by_role("button", name="Make a PDF").click()

    expect(page).to_have_url(re.compile(r"/jobs/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence report (PDF)")
    # Done already (an eager job) or done later (the page's script reloads it): the link comes either way.
    download_link = page.get_by_role("link", name=re.compile(r"^Download evidence-.*\.pdf$"))
    expect(download_link).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Your file is ready")).to_be_visible()
    job = LongJob.objects.get(started_by=trustee)
    assert job.status == LongJob.Status.DONE and job.params["public"] is False
    pages.look(page, "pdf-ready")

    with page.expect_download() as waiting:
        download_link.click()
    download = waiting.value
    assert download.suggested_filename == "evidence-2025-01-01-to-2025-03-31-trustees.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "evidence-report.pdf"
    download.save_as(path)
    assert pages.problems == [], pages.problems
    return path


def _read_and_draw_the_pdf(path: Path) -> None:
    """The PDF's text holds the figures; its first three pages become PNGs for a person to look at."""
    content = path.read_bytes()
    assert content.startswith(b"%PDF-"), content[:20]
    reader = PdfReader(path)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Evidence report" in text and "Trustees’ version" in text
    for words in (
        "People with lived experience lead us.",
        "Attendance of members in lived-experience seats † 14 of 16 (88%)",
        f"{CITE_INPUT} 19 of 27 (70%)",
    ):
        assert words in text, f"{words!r} is not in the PDF's text"

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (apt-get install poppler-utils; .ci/run does)")
    for old in ARTIFACTS.glob("evidence-pdf-*.png"):
        old.unlink()
    command = [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "3", str(path), str(ARTIFACTS / "evidence-pdf")]
    subprocess.run(command, check=True, timeout=60)
    made = sorted(ARTIFACTS.glob("evidence-pdf-*.png"))
    assert len(made) == min(3, len(reader.pages)), made
    assert all(p.stat().st_size > 5_000 for p in made), [(p.name, p.stat().st_size) for p in made]


def test_anonymous_visitors_see_the_public_report_with_no_small_numbers_and_the_transparency_page(
    browser, browser_context_args, world
):
    # The world's rows were written directly, so the ledger holds only what signals wrote (the involvement
    # app records each attendance at a held meeting as participation): record its decisions too, as the
    # service does, before the checkpoint (whose head hash is then a real one, not the chain's start).
    already = AuditEvent.objects.count()
    decisions = sorted(world.decisions.values(), key=lambda decision: decision.pk)
    for decision in decisions:
        data = {"decision": decision.pk, "reference": decision.reference, "body": decision.body_id}
        audit_record(actor=None, action="governance.decision_recorded", target=decision, data=data)
    checkpoint = audit_checkpoint()
    assert checkpoint.data["count"] == already + len(decisions)
    trustees = evidence_report(period=world.period(), public=False)
    assert sum(1 for f in trustees.figures if f.small) == 13  # as the trustees' page says

    pages = Pages("evidence-public", WIDE)
    context, page = pages.open_tab(browser, browser_context_args)
    try:
        page.goto(f"{world.url}/governance/evidence/?{QUERY}")
        expect(page.get_by_text("Public version", exact=True)).to_be_visible()
        expect(page.get_by_text("Hidden in the public version")).to_have_count(0)
        expect(page.get_by_role("button", name="Make a PDF")).to_have_count(0)
        expect(page.locator("main").get_by_role("link", name="Sign in", exact=True)).to_be_visible()
        _no_small_number_shown(page, trustees)
        pages.look(page, "report")

        page.goto(f"{world.url}/transparency/")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text("Checking our records have not been changed")
        card = page.locator(".govuk-summary-card")
        expect(card).to_have_count(1)
        expect(card.locator(".portal-hash")).to_have_text(checkpoint.data["head_hash"])
        assert set(checkpoint.data["head_hash"]) != {"0"}
        lines = card.locator(".govuk-summary-list__row", has_text="Lines in the record")
        expect(lines.locator("dd")).to_have_text(str(checkpoint.data["count"]))
        expect(card).to_contain_text("Not in approved minutes yet")
        pages.look(page, "transparency")
    finally:
        context.close()


def _people_cells(page, trustees) -> list[tuple[str, str]]:
    """(what, text) for every cell of the page that shows a count of people, or a share of one."""
    cells = []
    for figure in trustees.figures:
        row = figure_row(page, figure.label)
        if figure.people and row.count():
            cells.append((figure.label, row.locator("td").inner_text()))
    tables = {"#seats-table": "td", "#origins-table": "td", "#consultations-table": "td:last-child"}
    for table, cell in tables.items():
        texts = page.locator(f"{table} tbody {cell}").all_inner_texts()
        cells += [(f"{table} {n + 1}", text) for n, text in enumerate(texts)]
    return [(what, text.split(":")[0].strip()) for what, text in cells]  # not ": see the records for ..."


def _no_small_number_shown(page, trustees) -> None:
    """Every cell that counts people shows 0, 5 or more, "fewer than 5" or "hidden"; so does each part
    of a share ("N of M") and what is left (M - N). Every figure the trustees' version marks is hidden."""
    cells = _people_cells(page, trustees)
    assert len(cells) >= 20, cells
    shown_small = []
    for what, text in cells:
        share = re.fullmatch(r"(\d+) of (\d+) \(\d+%\)", text)
        if share:
            numbers = [int(share[1]), int(share[2]), int(share[2]) - int(share[1])]
        elif text.isdigit():
            numbers = [int(text)]
        else:
            assert text in ("fewer than 5", "hidden", "none yet"), f"{what}: unexpected figure {text!r}"
            numbers = []
        if any(0 < n < 5 for n in numbers):
            shown_small.append((what, text))
    assert shown_small == [], f"numbers of people under 5 shown in the public version: {shown_small}"

    marked = {f.label for f in trustees.figures if f.small}
    for what, text in cells:
        if what in marked:
            assert text in ("fewer than 5", "hidden"), f"{what} is {text!r} in the public version"
    # The Board's and the finance committee's seats each month, two attendance shares, two ways of answering
    # two consultations' responses, and the people who took part with a peer worker.
    assert sum(1 for _what, text in cells if text in ("fewer than 5", "hidden")) == 13, cells
