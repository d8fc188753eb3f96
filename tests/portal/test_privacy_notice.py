"""The privacy notice and the accessibility statement (issue 15): editors keep both in the site settings;
every page links to them and to the contact form; the statement follows the GOV.UK model's sections."""

import re
from datetime import date

import pytest
from django.urls import reverse
from wagtail.models import Site

from portal.home.models import AccessibilityCompliance, SiteSettings

pytestmark = pytest.mark.django_db

MODEL_HEADINGS = [
    "Accessibility statement for Together Voices",
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Compliance status",
    "Non-accessible content",
    "Preparation of this accessibility statement",
]


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def headings(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)]


def test_the_privacy_notice_covers_what_people_need_to_know_in_plain_words(client, home_page):
    response = client.get("/privacy-notice/")
    html = response.content.decode()
    assert response.status_code == 200
    found = headings(html)
    for heading in ("Privacy notice", "Who we are", "What we collect", "Why we collect it",
                    "Information about your mental health", "Anonymous answers and secret votes", "Your rights",
                    "How long we keep things", "How to contact us"):
        assert heading in found, heading
    assert "https://ico.org.uk/make-a-complaint/" in html
    assert 'href="/contact/"' in html and 'href="/privacy/"' in html


def test_the_privacy_notice_shows_what_editors_wrote_and_the_retention_settings(client, home_page):
    policy = site_settings()
    policy.privacy_notice = "<h2>Our new words</h2><p>We changed how we work.</p>"
    policy.sign_in_record_retention_days, policy.contact_message_retention_days = 30, 14
    policy.save()
    html = client.get("/privacy-notice/").content.decode()
    assert "Our new words" in html and "Who we are" not in html
    assert "Records of signing in: we delete them after 30 days." in html
    assert "always within 14 days" in html


def test_every_footer_links_to_the_privacy_notice_and_the_contact_form(client, home_page):
    for path in ("/", "/accessibility/", "/privacy-notice/", "/account/sign-in/"):
        html = client.get(path).content.decode()
        assert 'class="govuk-footer__link" href="/privacy-notice/">Privacy notice</a>' in html, path
        assert 'class="govuk-footer__link" href="/contact/">Contact us</a>' in html, path


def test_the_sign_up_page_links_to_the_privacy_notice_beside_the_button(client, home_page):
    html = client.get("/account/sign-up/").content.decode()
    button = html.index("Create account")
    link = html.index('href="/privacy-notice/">Read how we use your information (privacy notice)</a>')
    assert button < link < html.index("Already have an account?")


def test_the_accessibility_statement_has_each_model_section_in_order(client, home_page):
    html = client.get("/accessibility/").content.decode()
    found = headings(html)
    assert [h for h in found if h in MODEL_HEADINGS] == MODEL_HEADINGS
    assert "screen reader" in html  # the editors' opening
    assert html.count('href="/contact/?about=accessibility"') == 2  # feedback, and reporting problems
    assert "Equality Advisory and Support Service" in html and "Equality and Human Rights Commission" in html


def test_the_statement_says_what_the_settings_say(client, home_page):
    policy = site_settings()
    policy.accessibility_compliance = AccessibilityCompliance.PARTIALLY
    policy.accessibility_known_issues = "<p>The ballot results chart has no text version yet.</p>"
    policy.accessibility_prepared_on, policy.accessibility_reviewed_on = date(2026, 1, 12), date(2026, 6, 3)
    policy.save()
    html = client.get("/accessibility/").content.decode()
    assert "This website is partially compliant with the" in html and "because of the problems listed below" in html
    assert "The ballot results chart has no text version yet." in html
    assert "This statement was prepared on 12 January 2026. It was last reviewed on 3 June 2026." in html

    policy.accessibility_compliance, policy.accessibility_known_issues = AccessibilityCompliance.FULLY, ""
    policy.save()
    html = client.get("/accessibility/").content.decode()
    assert "This website is fully compliant with the" in html and "problems listed below" not in html
    assert "We do not know of any content on this website that is not accessible." in html


def test_editors_keep_the_notice_statement_and_contact_details_in_the_site_settings(client, home_page,
                                                                                     django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="admin@example.org", password="x" * 12))
    site = Site.objects.get(is_default_site=True)
    response = client.get(reverse("wagtailsettings:edit", args=["home", "sitesettings", site.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Compliance with WCAG 2.2 AA", "Content that is not accessible", "Statement prepared on",
                  "Statement last reviewed on", "Privacy notice", "Contact form inbox", "Working days to reply"):
        assert label in html, label
