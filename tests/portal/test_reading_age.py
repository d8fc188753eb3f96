"""Reading age (issue 15): the fixed words of every service-user template, and the demo content, score
at most Flesch-Kincaid grade 6 (a reading age of 11; the issue aims for 9 to 11), easy-read summaries
at most grade 3 (a reading age of 8). `make test` runs this file first with its output shown, so every
template's score and the limit are printed; a failure lists the hardest sentences to rewrite.

Why these limits: grade 6 is the top of the 9-11 reading-age aim, and the UK's average reading age is
about 9, so most of our pages (the table shows them) sit at grade 2 to 4. Texts under 30 words score
too noisily on their own (one long word moves them several grades), so they are scored together.

One page has its own limit, printed beside it: the accessibility statement follows the GOV.UK model,
whose compliance and enforcement sections name regulations and bodies in the words the law uses.
"""

import pytest
from django.core.management import call_command

from .reading_age import Score, demo_scores, report, score, template_scores

GRADE_LIMIT = 6.0
EASY_READ_LIMIT = 3.0
SHORT = 30
OWN_LIMITS = {"home/accessibility_statement.html": 9.0}


def pooled(scores: list[Score], name: str) -> list[Score]:
    """Texts of SHORT words or more as they are; the shorter ones scored together as one text."""
    long_enough = [s for s in scores if s.words >= SHORT]
    short = [s for s in scores if 0 < s.words < SHORT]
    joined = "\n".join(s.text for s in short)
    return long_enough + ([score(name, joined)] if joined else [])


def over(scores: list[Score], limit_of) -> list[str]:
    found = []
    for s in scores:
        if s.grade > limit_of(s):
            hardest = "; ".join(f"{grade:.1f}: {text}" for grade, text in s.sentences)
            found.append(f"{s.name} is grade {s.grade} (limit {limit_of(s)}). Hardest sentences: {hardest}")
    return found


def test_the_scorer_tells_hard_words_from_plain_ones():
    hard = score("hard", "Notwithstanding the aforementioned considerations, the organisation's constitutional "
                         "responsibilities necessitate comprehensive deliberation by the trustees.")
    plain = score("plain", "You can stop at any time. Your answers are saved. Tell us what you think.")
    assert hard.grade > GRADE_LIMIT > plain.grade


def test_every_service_user_template_reads_at_age_11_or_under():
    scores = pooled(template_scores(), f"short pieces (under {SHORT} words, together)")
    print()
    print(report(scores, GRADE_LIMIT, "Reading age of service-user templates", OWN_LIMITS))
    for name, limit in OWN_LIMITS.items():
        print(f"  own limit: {name} grade {limit} (the GOV.UK model statement's legal wording)")
    assert len(scores) > 40, "the template list found too few templates: check SERVICE_USER_TEMPLATES"
    assert not over(scores, lambda s: OWN_LIMITS.get(s.name, GRADE_LIMIT))


@pytest.mark.django_db
def test_the_demo_content_reads_at_age_11_or_under_and_easy_read_at_8(home_page):
    call_command("seed_demo", verbosity=0)
    scores = demo_scores()
    print()
    print(report(scores, GRADE_LIMIT, f"Reading age of the demo content (easy read: limit grade {EASY_READ_LIMIT})"))
    assert sum(1 for s in scores if s.name.startswith("easy read")) >= 3
    assert all(s.words for s in scores), [s.name for s in scores if not s.words]
    assert not over(scores, lambda s: EASY_READ_LIMIT if s.name.startswith("easy read") else GRADE_LIMIT)
