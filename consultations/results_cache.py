"""Results kept in the cache until what they count changes.

Working out a consultation's results and charts is most of its results page's time, yet they change
only when a response is started, saved, sent, withdrawn or typed in from paper (each moves the
responses' count or their latest `updated_at`), when the questions are published again (a new live
revision), or when someone is erased (which moves the page cache's generation on, and may take words
out of the free-text answers shown). All of those are in the key, so a kept copy is never out of date;
it is dropped after RESULTS_SECONDS anyway.
"""

from django.core.cache import cache
from django.db.models import Count, Max

from portal.home.page_cache import generation_for

from .models import ConsultationPage, Response

RESULTS_SECONDS = 300


def results_stamp(page: ConsultationPage) -> str:
    """What changes whenever the responses behind the results change (one query, on an index)."""
    stamp = Response.objects.filter(consultation=page).aggregate(n=Count("pk"), last=Max("updated_at"))
    last = stamp["last"].isoformat() if stamp["last"] else "-"
    return f"{stamp['n']}:{last}"


def kept_results(request, page: ConsultationPage, *, suppress: bool, work_out):
    """`work_out()` (the results and their charts), from the cache when nothing behind them changed."""
    key = ":".join(
        str(part) for part in (
            "results", generation_for(request), page.pk, page.live_revision_id, int(suppress), results_stamp(page)
        )
    )
    return cache.get_or_set(key, work_out, RESULTS_SECONDS)
