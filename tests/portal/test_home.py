import pytest
from wagtail.models import Site

from portal.home.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def test_home_page_is_served_at_the_site_root_with_skip_link_and_crisis_support(client, home_page):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert home_page.title in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "Samaritans" in html  # crisis signposting from site settings, in the footer
    assert '<main class="govuk-main-wrapper" id="main-content"' in html


def test_default_site_points_at_the_one_home_page(home_page):
    assert HomePage.objects.count() == 1
    assert Site.objects.get(is_default_site=True).root_page.specific == home_page


def test_standard_page_renders_its_stream_body(client, home_page):
    page = StandardPage(
        title="About us",
        slug="about",
        summary="Who we are.",
        body=[("heading", {"text": "Our story", "size": "h2"}), ("paragraph", "<p>We began in 2019.</p>")],
    )
    home_page.add_child(instance=page)
    page.save_revision().publish()
    response = client.get("/about/")
    assert response.status_code == 200
    assert "Our story" in response.content.decode() and "We began in 2019." in response.content.decode()


def test_accessibility_statement_uses_the_site_settings_text(client, home_page):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    assert "screen reader" in response.content.decode()
