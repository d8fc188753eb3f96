"""Rich text keeps only on-site images and clickable link schemes; PDFs fetch nothing from the network."""

import pytest
from weasyprint.urls import URLFetchingError

from portal.home.rich_text import clean_rich_text
from portal.pdf import PdfURLFetcher, html_to_pdf


@pytest.mark.parametrize(
    "stored, kept",
    [
        ('<img src="http://169.254.169.254/latest/meta-data">', "<img/>"),
        ('<img src="//elsewhere.example/pixel.gif">', "<img/>"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img/>"),
        ('<img alt="Our group" src="/media/images/group.width-800.jpg">', 'src="/media/images/group.width-800.jpg"'),
        ('<a href="ftp://files.example/x">old</a>', "<a>old</a>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="https://www.mind.org.uk/">Mind</a>', 'href="https://www.mind.org.uk/"'),
        ('<a href="tel:08001234567">call</a>', 'href="tel:08001234567"'),
    ],
)
def test_rich_text_keeps_only_site_images_and_links_people_can_follow(stored, kept):
    assert kept in clean_rich_text(stored)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data", "https://example.org/a.png", "file:///etc/passwd",
            "http://127.0.0.1:8000/media/original_images/x.jpg", "ftp://example.org/x"],
)
def test_the_pdf_printer_refuses_every_address_but_data_and_renditions(url):
    with pytest.raises((ValueError, URLFetchingError)):
        PdfURLFetcher().fetch(url)


def test_a_pdf_with_an_outside_image_is_still_made_without_it(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    pdf = html_to_pdf('<p>Minutes</p><img src="http://169.254.169.254/x.png">', base_url="http://127.0.0.1/")
    assert pdf.startswith(b"%PDF")


def test_the_pdf_printer_reads_image_renditions_from_the_media_folder(settings, tmp_path):
    settings.MEDIA_ROOT, settings.MEDIA_URL = str(tmp_path), "/media/"
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "group.png").write_bytes(b"\x89PNG not really")
    fetched = PdfURLFetcher().fetch("http://127.0.0.1:8000/media/images/group.png")
    assert fetched is not None
    with pytest.raises(ValueError):
        PdfURLFetcher().fetch("http://127.0.0.1:8000/media/images/../../secret.txt")
