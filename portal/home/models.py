"""The site itself: the home page, plain content pages and site-wide settings."""

from datetime import date

from django.conf import settings
from django.db import models
from django.http import Http404
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock
from .stable import StableRestrictionsMixin, stable_child, stable_setting


class HomePage(StableRestrictionsMixin, Page):
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

    def route(self, request, path_components):
        """To the section page under the home page (consultations, minutes, a content page) from the
        cache: it changes only when published, moved or deleted (stable.py)."""
        if not path_components:
            return super().route(request, path_components)
        child = stable_child(request, self, path_components[0])
        if child is None:
            raise Http404
        child._cached_parent_obj = self
        return child.route(request, path_components[1:])


class StandardPage(StableRestrictionsMixin, Page):
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
NOTICE_FEATURES = ["h2", "h3", "bold", "italic", "ul", "ol", "link"]


def default_contact_email() -> str:
    """The inbox a new site's contact form writes to: PORTAL_CONTACT_EMAIL, until editors change it."""
    return settings.PORTAL_CONTACT_EMAIL


class AccessibilityCompliance(models.TextChoices):
    """How far the website meets WCAG 2.2 AA, in the words of the GOV.UK model accessibility statement."""

    FULLY = "fully", "Fully compliant"
    PARTIALLY = "partially", "Partially compliant"
    NOT = "not", "Not compliant"


DEFAULT_PRIVACY_NOTICE = (
    "<h2>Who we are</h2>"
    "<p>We are a peer-support charity. People who have lived with mental ill-health lead what we do. "
    "We decide why and how your information is used. The law calls this being the data controller.</p>"
    "<h2>What we collect</h2>"
    "<ul>"
    "<li>Your name and email address, if you make an account.</li>"
    "<li>Your answers to our questions (we call these consultations).</li>"
    "<li>Your votes, but never which way you voted in a secret vote.</li>"
    "<li>How you like to use the website, for example bigger text or easy read.</li>"
    "<li>Messages you send us with the contact form.</li>"
    "<li>When you sign in, and the internet address and browser you used. This keeps your account safe.</li>"
    "</ul>"
    "<h2>Why we collect it</h2>"
    "<p>We use it so you can take part, so we can listen to you, and so we can show that people with lived "
    "experience shape our decisions. We never sell it. We do not use it for adverts.</p>"
    "<h2>Information about your mental health</h2>"
    "<p>Some things you tell us may be about your mental health. The law says this is special information "
    "and must get extra care. You choose if you tell us. We only ask for it if you agree, and you can change "
    "your mind at any time. We only use it in totals, like \"8 out of 10 people\", and never next to your "
    "name where others can see it.</p>"
    "<h2>Anonymous answers and secret votes</h2>"
    "<p>If you answer anonymously, we do not keep your name with your answers. In a secret vote, nobody can "
    "see how you voted, not even us. We only know that you voted.</p>"
    "<h2>Your rights</h2>"
    "<p>You can:</p>"
    "<ul>"
    "<li>see what we hold about you</li>"
    "<li>download it</li>"
    "<li>ask us to correct it</li>"
    "<li>ask us to erase it</li>"
    "<li>take back what you agreed to</li>"
    "</ul>"
    "<p>If you have an account, you can do most of this yourself on the "
    "<a href=\"/privacy/\">Your data and privacy</a> page.</p>"
    "<p>If you are not happy with how we use your information, please tell us first. You can also complain "
    "to the Information Commissioner's Office (ICO) on <a href=\"https://ico.org.uk/make-a-complaint/\">"
    "the ICO website</a> or by calling 0303 123 1113.</p>"
)

DEFAULT_KNOWN_ISSUES = (
    "<p>Some older documents, such as PDFs and Word files, may not work well with a screen reader. "
    "If you need one in a different format, contact us and we will send it to you in a way that works for you.</p>"
)


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """Words that appear on every page: the organisation's name, crisis support and accessibility."""

    @classmethod
    def for_request(cls, request):
        """For the page being served: from the cache (stable.py), once per request. The admin's settings
        form reads `for_site`, straight from the database."""
        attr_name = cls.get_cache_attr_name()
        if not hasattr(request, attr_name):
            from wagtail.models import Site

            site = Site.find_for_request(request)
            if site is None:
                raise cls.DoesNotExist("No site for this request.")
            row = stable_setting(cls, site, request)
            row._request = request
            setattr(request, attr_name, row)
        return getattr(request, attr_name)

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
        verbose_name="Accessibility statement: opening",
        help_text=(
            "The opening of the accessibility statement (linked from every footer): who can use the website "
            "and how. The rest of the statement follows the GOV.UK model and is filled in from the fields below."
        ),
    )

    accessibility_compliance = models.CharField(
        max_length=10,
        choices=AccessibilityCompliance.choices,
        default=AccessibilityCompliance.PARTIALLY,
        verbose_name="Compliance with WCAG 2.2 AA",
        help_text="How far this website meets the Web Content Accessibility Guidelines 2.2, level AA.",
    )
    accessibility_known_issues = RichTextField(
        features=["h3", "bold", "italic", "ul", "ol", "link"],
        blank=True,
        default=DEFAULT_KNOWN_ISSUES,
        verbose_name="Content that is not accessible",
        help_text="Known problems, what we are doing about them, and by when. Shown under 'Non-accessible content'.",
    )
    accessibility_prepared_on = models.DateField(
        default=date.today, verbose_name="Statement prepared on", help_text="When this statement was first written."
    )
    accessibility_reviewed_on = models.DateField(
        default=date.today, verbose_name="Statement last reviewed on",
        help_text="Change this each time you check the statement is still true. Review it at least once a year.",
    )
    privacy_notice = RichTextField(
        features=NOTICE_FEATURES,
        blank=True,
        default=DEFAULT_PRIVACY_NOTICE,
        help_text=(
            "The privacy notice at /privacy-notice/, linked from every footer and the sign-up page. Use short "
            "sentences. After it, the page adds how long we keep things (from the settings on this page) and "
            "how to contact us."
        ),
    )
    contact_email = models.EmailField(
        default=default_contact_email,
        verbose_name="Contact form inbox",
        help_text="Messages sent with the contact form go to this email address.",
    )
    contact_reply_days = models.PositiveSmallIntegerField(
        default=5,
        verbose_name="Working days to reply",
        help_text="We tell people we aim to reply within this many working days.",
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

    benefits_advice = RichTextField(
        features=["bold", "ul", "ol", "link"],
        blank=True,
        default=(
            '<p>You can get free advice that is independent of us from:</p><ul>'
            '<li><a href="https://www.citizensadvice.org.uk/benefits/">Citizens Advice</a></li>'
            '<li><a href="https://www.turn2us.org.uk/">Turn2us</a></li></ul>'
        ),
        verbose_name="Where to get free benefits advice",
        help_text=(
            "Shown where people claim an involvement payment, after a line saying payments may affect "
            "benefits. Give links to free, independent advice. We give no advice ourselves."
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
    contact_message_retention_days = models.PositiveIntegerField(
        default=30,
        help_text=(
            "A contact form message is deleted from the website once it has been emailed to the inbox. "
            "If sending it keeps failing, it is deleted after this many days."
        ),
    )

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("crisis_support"),
        MultiFieldPanel(
            [FieldPanel("accessibility_statement"), FieldPanel("accessibility_compliance"),
             FieldPanel("accessibility_known_issues"), FieldPanel("accessibility_prepared_on"),
             FieldPanel("accessibility_reviewed_on")],
            heading="Accessibility statement",
        ),
        FieldPanel("privacy_notice"),
        MultiFieldPanel(
            [FieldPanel("contact_email"), FieldPanel("contact_reply_days")],
            heading="Contact form",
        ),
        FieldPanel("involvement_statement"),
        FieldPanel("benefits_advice"),
        MultiFieldPanel(
            [FieldPanel("evidence_purpose_story"), FieldPanel("evidence_presence_story"),
             FieldPanel("evidence_process_story"), FieldPanel("evidence_impact_story")],
            heading="The evidence report's story, section by section",
        ),
        MultiFieldPanel(
            [FieldPanel("anonymous_draft_retention_days"), FieldPanel("sign_in_record_retention_days"),
             FieldPanel("contact_message_retention_days")],
            heading="How long we keep personal data",
        ),
    ]

    class Meta:
        verbose_name = "site settings"
