"""Receipts that confirm, never prove, and that leak to nothing that records pages, forms or logs.

The check page shows the voter her code (she must be able to write it down) and nothing else about it:
no hidden field, no token, nothing in what the form sends that decodes to her id or her code.
"""

import base64
import contextlib
import binascii
import re
import zlib
from pathlib import Path
from urllib.parse import urlencode

import pytest

from voting.services import receipt_for

from .test_vote_page import hidden_inputs, receipt_of, ranked  # noqa: F401 - ranked is a fixture

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def decodings(value: str) -> list[str]:
    """Every reading of `value` an attacker would try: as it is, and each part base64- or zlib-decoded."""
    found = [value]
    for part in re.split(r"[:.]", value) + [value]:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                raw = decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw.decode("latin-1"))
            with contextlib.suppress(zlib.error):  # most values are not compressed: nothing more to read
                found.append(zlib.decompress(raw).decode("latin-1"))
    return found


def form_fields(html: str) -> list[tuple[str, str]]:
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    [form] = [f for f in forms if 'name="confirmed"' in f]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)


def test_the_check_page_and_the_cast_post_hold_no_decodable_voter_id_or_code(client, ranked):  # noqa: F811
    ballot, (ana, bo, cy), voters = ranked
    voter = voters[0]
    client.force_login(voter)
    check = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", f"rank_{ana}": "2"}).content.decode()
    code = receipt_of(check)
    ballot.refresh_from_db()
    assert code == receipt_for(ballot, voter)
    assert check.count(code) == 1  # shown once, as text for her to write down, and nowhere else
    fields = form_fields(check)
    names = {name for name, _ in fields}
    assert names == {"csrfmiddlewaretoken", f"rank_{bo}", f"rank_{ana}"}
    body = urlencode(fields + [("confirmed", "1")])  # what the browser sends when she presses "Send my vote"
    secrets = {code, code.replace("-", ""), f'"voter": {voter.pk}', f'"voter":{voter.pk}', voter.email}
    for _, value in fields + [("body", body)]:
        for reading in decodings(value):
            assert not [s for s in secrets if s in reading], (value, reading)
    sent = client.post(f"/ballots/{ballot.pk}/vote/", dict(fields + [("confirmed", "1")]))
    assert f"<strong>{code}</strong>" in sent.content.decode()


def test_the_production_access_log_has_no_query_strings_and_no_referers():
    """gunicorn.conf.py's format is the one the Dockerfile, `make load` and services-check all use."""
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    format_ = namespace["access_log_format"]
    assert "%(U)s" in format_
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "{referer}i", "{Referer}i"):
        assert leaky not in format_
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "access-logformat" not in dockerfile and "gunicorn" in dockerfile
    assert "access-logformat" not in (ROOT / "bench" / "load" / "run.py").read_text()
