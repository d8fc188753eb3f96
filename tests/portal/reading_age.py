"""Reading age of what service users read: the fixed words of their templates, and the demo content.

Scores use textstat's Flesch-Kincaid grade (a US school grade; a reading age is the grade plus 5, so
grade 6 is a reading age of 11). textstat 0.7.3 counts syllables with pyphen, offline.

Only words a person reads are scored: template tags, variables, comments, scripts, styles and markup
are removed; each block of text (a heading, a paragraph, a list item, a button) ends a sentence, as it
does for a reader, so a heading is not run into the paragraph after it.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import textstat

ROOT = Path(__file__).resolve().parents[2] / "templates"

# Service users' pages and emails: answering, voting, their account and data, the home and help pages,
# contact, errors, getting involved and claiming. Staff screens (admin, paper entry, minutes and decision
# recording, involvement's staff/ and finance/ pages) are not scored.
SERVICE_USER_TEMPLATES = [
    "400.html", "403.html", "404.html", "413.html", "500.html", "503.html",
    "accounts/*.html", "accounts/email/*.txt",
    "consultations/*.html", "consultations/includes/*.html", "consultations/email/*.txt",
    "contact/*.html", "contact/email/*.txt",
    "home/*.html", "includes/*.html",
    "jobs/*.html",
    "privacy/*.html",
    "voting/*.html", "voting/includes/*.html", "voting/email/*.txt",
    "proposals/includes/comments.html", "proposals/moderation/*.html", "proposals/moderation/email/notice.txt",
    "proposals/proposal_list.html", "proposals/proposal_detail.html", "proposals/proposal_form.html",
    "proposals/includes/proposal_item.html", "proposals/includes/my_proposals.html",
    "hear_back/*.html", "hear_back/includes/*.html", "hear_back/email/*.txt",
    "involvement/*.html", "involvement/includes/*.html", "involvement/email/*.txt",
]
# Pages that are for staff although they sit beside service users' ones.
STAFF_ONLY = {"consultations/analysis.html", "consultations/themes.html", "consultations/themes_theme.html",
              "proposals/moderation/queue.html", "proposals/moderation/decide.html",
              "proposals/moderation/crisis_routes.html"}

BLOCK_TAGS = r"h[1-6]|p|li|dt|dd|td|th|caption|button|summary|legend|label|div|section|aside|a|span|option|title"


@dataclass
class Score:
    name: str
    grade: float
    words: int
    sentences: list[tuple[float, str]] = field(default_factory=list)  # the three hardest
    text: str = ""

    @property
    def reading_age(self) -> float:
        return self.grade + 5


def readable_text(source: str) -> str:
    """The words a reader sees in a template's fixed text, one sentence or block per line."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", source, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"{%.*?%}", " ", text, flags=re.S)
    text = re.sub(r"{{.*?}}", " ", text, flags=re.S)
    text = re.sub(rf"</?(?:{BLOCK_TAGS})\b[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\s+", " ", line).strip(" :–-")
        if re.search(r"[A-Za-z]{2,}", line):
            lines.append(line if re.search(r"[.!?]$", line) else line + ".")
    return "\n".join(lines)


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n", text)
    return [p.strip() for p in parts if len(re.findall(r"[A-Za-z]+", p)) >= 3]


def score(name: str, text: str) -> Score:
    said = sentences(text)
    body = " ".join(said)
    words = len(re.findall(r"[A-Za-z']+", body))
    grade = textstat.flesch_kincaid_grade(body) if words else 0.0
    worst = sorted(((textstat.flesch_kincaid_grade(s), s) for s in said), reverse=True)
    return Score(name, round(grade, 1), words, worst[:3], body)


def template_scores() -> list[Score]:
    names = sorted({p.relative_to(ROOT).as_posix() for pattern in SERVICE_USER_TEMPLATES for p in ROOT.glob(pattern)})
    return [score(name, readable_text((ROOT / name).read_text())) for name in names if name not in STAFF_ONLY]


def report(scores: list[Score], limit: float, title: str, own: dict | None = None) -> str:
    lines = [f"{title} (Flesch-Kincaid grade; reading age = grade + 5; limit grade {limit})"]
    own = own or {}
    for s in sorted(scores, key=lambda s: -s.grade):
        flag = "  OVER" if s.grade > own.get(s.name, limit) else ""
        flag += f"  (own limit {own[s.name]})" if s.name in own else ""
        lines.append(f"  {s.grade:5.1f}  age {s.reading_age:4.1f}  {s.words:5d} words  {s.name}{flag}")
    return "\n".join(lines)


def _plain(html: str) -> str:
    return readable_text(str(html or ""))


def demo_scores() -> list[Score]:
    """The demo content people read: each page's summary and body, each consultation's summaries, content
    note and questions, the "we did" statements, and the crisis box."""
    from consultations.models import ConsultationPage, ResponseStatement
    from portal.home.models import HomePage, SiteSettings, StandardPage

    groups: dict[str, list[str]] = {}
    for page in HomePage.objects.live():
        groups[f"home page “{page.title}”"] = [page.intro, _plain(page.body)]
    for page in StandardPage.objects.live():
        groups[f"page “{page.title}”"] = [page.summary, _plain(page.body)]
    for page in ConsultationPage.objects.live():
        parts = [page.summary, page.content_note]
        for question in page.questions.all():
            parts += [question.prompt, question.help_text]
        groups[f"consultation “{page.title}”"] = parts
        groups[f"easy read “{page.title}”"] = [_plain(page.easy_read_summary)]
    groups["“we did” statements"] = list(ResponseStatement.objects.filter(published=True).values_list("text", flat=True))
    groups["crisis box"] = [_plain(s.crisis_support) for s in SiteSettings.objects.all()]
    found = []
    for name, parts in groups.items():
        text = "\n".join(p if re.search(r"[.!?]$", p.strip()) else p.strip() + "." for p in parts if p and p.strip())
        found.append(score(name, text))
    return found
