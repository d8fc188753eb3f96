"""The site itself: the home page, plain content pages and site-wide settings."""

from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock


class HomePage(Page):
    """The front door: what the charity is and where to start."""

    intro = models.TextField(
        blank=True, max_length=500, help_text="One or two plain sentences shown under the page title."
    )
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.StandardPage", "consultations.ConsultationIndexPage", "governance.MinutesIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"


class StandardPage(Page):
    """A plain page of content, such as 'About us' or 'How we use your information'."""

    summary = models.TextField(
        blank=True, max_length=500, help_text="A plain-English summary shown at the top of the page."
    )
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = "standard page"


NARRATIVE_FEATURES = ["bold", "italic", "ul", "ol", "link"]


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """Words that appear on every page: the organisation's name, crisis support and accessibility."""

    organisation_name = models.CharField(
        max_length=120, default="Together Voices", help_text="Shown in the header of every page."
    )
    crisis_support = RichTextField(
        features=["bold", "link"],
        blank=True,
        default=(
            "<p>If your life is at risk, call <b>999</b> or go to A&amp;E. You can call Samaritans free, "
            "any time, on <b>116 123</b>. You can text <b>SHOUT</b> to <b>85258</b>.</p>"
        ),
        help_text="Shown in the footer of every page. Keep the phone numbers up to date.",
    )
    accessibility_statement = RichTextField(
        blank=True,
        default=(
            "<p>We want everyone to be able to use this website. You should be able to use it on a "
            "phone, with a screen reader, with only a keyboard, and with bigger text.</p>"
            "<p>If something does not work for you, please tell us and we will fix it.</p>"
        ),
        help_text="Shown on the accessibility page, linked from every footer.",
    )

    involvement_statement = RichTextField(
        features=["bold", "italic", "ul", "ol", "link"],
        blank=True,
        help_text=(
            "How people with lived experience lead and shape our work, in plain words. "
            "Opens the evidence report (the 'Principles' section). To quote a group's lived-experience "
            "seats, type {seats:CODE} with the group's code (for example {seats:TB}); the figure and its "
            "date are filled in from the membership records, so they never go out of date."
        ),
    )

    # The evidence report's story beside its figures, one short text per section after Principles.
    evidence_purpose_story = RichTextField(
        features=NARRATIVE_FEATURES, blank=True, verbose_name="Purpose: what we want to say",
        help_text="A few sentences shown beside the Purpose figures: why we asked, and what we hoped to learn.",
    )
    evidence_presence_story = RichTextField(
        features=NARRATIVE_FEATURES, blank=True, verbose_name="Presence: what we want to say",
        help_text="Beside the Presence figures: who was in the room, and what we are doing about any gaps. "
        "Quote seats with {seats:CODE}, never a typed number.",
    )
    evidence_process_story = RichTextField(
        features=NARRATIVE_FEATURES, blank=True, verbose_name="Process: what we want to say",
        help_text="Beside the Process figures: how people took part, and what made it easier or harder.",
    )
    evidence_impact_story = RichTextField(
        features=NARRATIVE_FEATURES, blank=True, verbose_name="Impact: what we want to say",
        help_text="Beside the Impact figures: what changed because of what people told us.",
    )

    anonymous_draft_retention_days = models.PositiveIntegerField(
        default=90,
        help_text=(
            "Unsent answers with no name are deleted this many days after their consultation closes. "
            "0 deletes them the day after it closes."
        ),
    )
    sign_in_record_retention_days = models.PositiveIntegerField(
        default=90,
        help_text=(
            "Records of sign-ins and failed sign-in attempts (email address, internet address and browser) "
            "are deleted after this many days."
        ),
    )

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("crisis_support"),
        FieldPanel("accessibility_statement"),
        FieldPanel("involvement_statement"),
        MultiFieldPanel(
            [FieldPanel("evidence_purpose_story"), FieldPanel("evidence_presence_story"),
             FieldPanel("evidence_process_story"), FieldPanel("evidence_impact_story")],
            heading="The evidence report's story, section by section",
        ),
        MultiFieldPanel(
            [FieldPanel("anonymous_draft_retention_days"), FieldPanel("sign_in_record_retention_days")],
            heading="How long we keep personal data",
        ),
    ]

    class Meta:
        verbose_name = "site settings"
