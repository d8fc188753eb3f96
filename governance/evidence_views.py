"""The evidence report pages: the report for a period and body, the records behind each figure, and
the buttons that start a CSV or PDF as a long job.

Trustees and secretaries see the trustees' version (every number); everyone else sees the public
version, with small numbers of people hidden. Anonymous visitors get a page that can be cached whole
(no form with a CSRF token on it); signed-in pages are private. A period that is not a real one (bad
dates, the end before the start, an unknown group) is explained on the same page, never a server error.
"""

from urllib.parse import urlencode

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from portal.jobs.long_jobs import long_job_start

from .evidence import MAX_YEARS, Period, can_view_full_evidence, check_dates, default_period, evidence_report
from .evidence_exports import page_context
from .evidence_records import records_for
from .models import Body

# Plain text boxes (GOV.UK advises against the browser's date picker): day/month/year, or ISO from links.
DATE = forms.DateInput(attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "numeric", "autocomplete": "off"},
                       format="%d/%m/%Y")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]
JOB_KINDS = {"csv": "governance.evidence_csv", "pdf": "governance.evidence_pdf"}
REASONS_SHOWN = 10


class EvidenceForm(forms.Form):
    """The period (`from`, `to`) and an optional group, from the query string. Empty dates mean the
    last twelve months."""

    body = forms.ChoiceField(label="Group", required=False,
                             error_messages={"invalid_choice": "Choose a group from the list"})

    def __init__(self, *args, bodies: list[Body], **kwargs):
        super().__init__(*args, **kwargs)
        messages = {"invalid": "Enter a real date, for example 31/03/2026"}
        self.fields["from"] = forms.DateField(label="From", required=False, widget=DATE, input_formats=DATE_FORMATS,
                                              error_messages=messages, help_text="For example, 1/4/2025")
        self.fields["to"] = forms.DateField(label="To", required=False, widget=DATE, input_formats=DATE_FORMATS,
                                            error_messages=messages, help_text="For example, 31/3/2026. Both days are included.")
        self.fields["body"].choices = [("", "All groups")] + [(b.slug, b.name) for b in bodies]
        self.order_fields(["from", "to", "body"])
        self.bodies = {b.slug: b for b in bodies}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("from"), Field("to"), Field.select("body", label_size=Size.SMALL))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default = default_period()
        data["from"], data["to"] = data.get("from") or default.start, data.get("to") or default.end
        try:
            check_dates(data["from"], data["to"])
        except ValueError as error:
            self.add_error("to", str(error))
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(data["from"], data["to"], self.bodies.get(data.get("body") or ""))


def _form(request, data) -> tuple[EvidenceForm, Period | None]:
    """The form bound to `data`, with the last twelve months filled in where a date is left out (so
    the boxes show the period the report is for)."""
    default = default_period()
    data = {"from": data.get("from") or f"{default.start:%d/%m/%Y}", "to": data.get("to") or f"{default.end:%d/%m/%Y}",
            "body": data.get("body", "")}
    form = EvidenceForm(data, bodies=list(Body.objects.order_by("name")))
    if not form.is_valid():
        return form, None
    return form, form.period()


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _finish(request, response):
    return _private(response) if request.user.is_authenticated else response


@require_GET
def evidence(request):
    """The report for the chosen period and group (the last twelve months, all groups, at first)."""
    form, period = _form(request, request.GET)
    full = can_view_full_evidence(request.user)
    context = {"form": form, "full": full, "max_years": MAX_YEARS, "reasons_shown": REASONS_SHOWN}
    if period is None:
        return _finish(request, TemplateResponse(request, "governance/evidence.html", context, status=400))
    report = evidence_report(period=period, public=not full)
    context.update(page_context(report))
    context.update({
        "period": period,
        "query": period.query(),
        "hidden_count": sum(1 for f in report.figures if f.small),
        "reasons_url": period.register_url(shaped="no"),
        "downloads": [("csv", "Download CSV"), ("pdf", "Make a PDF")],
    })
    return _finish(request, TemplateResponse(request, "governance/evidence.html", context))


@require_GET
def evidence_records(request, kind: str):
    """The records behind one figure: a small list for kinds with no list page of their own."""
    lister = records_for(kind)
    if lister is None:
        raise Http404("There is no such list.")
    form, period = _form(request, request.GET)
    full = can_view_full_evidence(request.user)
    context = {"form": form, "full": full, "kind": kind}
    if period is None:
        return _finish(request, TemplateResponse(request, "governance/evidence_records.html", context, status=400))
    context.update({
        "table": lister(period, public=not full),
        "period": period,
        "back": f"{reverse('governance:evidence')}?{period.query()}",
    })
    return _finish(request, TemplateResponse(request, "governance/evidence_records.html", context))


@require_POST
def evidence_export(request):
    """Start making the CSV or the PDF as a long job, then show its progress. Signing in is needed,
    because the file is kept for the person who asked for it."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("governance:evidence"))
    kind = JOB_KINDS.get(request.POST.get("format", ""))
    form, period = _form(request, request.POST)
    if kind is None or period is None:
        return redirect(f"{reverse('governance:evidence')}?{_query(request.POST)}")
    params = {"from": period.start.isoformat(), "to": period.end.isoformat(),
              "body": period.body.slug if period.body else "", "public": not can_view_full_evidence(request.user)}
    job = long_job_start(kind=kind, user=request.user, params=params)
    return redirect("jobs:status", pk=job.pk)


def _query(data) -> str:
    return urlencode({k: data.get(k, "") for k in ("from", "to", "body") if data.get(k)})
