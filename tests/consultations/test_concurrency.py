"""The same response sent at the same moment from several places is stored once (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from consultations.models import Answer, Response
from portal.home.setup import ensure_home_page

from .factories import make_consultation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count, action):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_one_response_when_the_same_answers_are_sent_in_parallel(home_page):
    ensure_home_page()
    page = make_consultation(kinds=["yes_no", "short_text"])
    client = Client()
    token = client.post(page.url + "start/", {"idempotency_key": "k"}).url.split("/respond/")[1].split("/")[0]
    client.post(f"{page.url}respond/{token}/1/", {"answer": "0"})
    client.post(f"{page.url}respond/{token}/2/", {"answer": "together"})

    results, errors = run_together(8, lambda: Client().post(f"{page.url}respond/{token}/check/").status_code)

    assert errors == []
    assert results == [302] * 8
    assert Response.objects.filter(status="submitted").count() == 1
    assert Answer.objects.count() == 2


def test_one_draft_when_start_is_pressed_twice_at_once(home_page):
    page = make_consultation(kinds=["yes_no"])
    results, errors = run_together(8, lambda: Client().post(page.url + "start/", {"idempotency_key": "same"}).url)
    assert errors == []
    assert len(set(results)) == 1
    assert Response.objects.count() == 1


def test_one_named_draft_when_two_tabs_start_at_once_each_with_its_own_key(home_page, user_factory):
    """Found by the load run: the tab that lost the race looked for its own key, found none, and got a 500."""
    from consultations.models import Identity
    from portal.accounts import roles

    page = make_consultation(kinds=["yes_no"], identity=Identity.NAMED)
    person = user_factory(roles=[roles.SERVICE_USERS])
    keys = iter(f"tab-{n}" for n in range(8))
    lock = threading.Lock()

    def start_in_a_new_tab():
        with lock:
            key = next(keys)
        client = Client(raise_request_exception=True)
        client.force_login(person)
        reply = client.post(page.url + "start/", {"idempotency_key": key})
        return reply.status_code, reply.url

    results, errors = run_together(8, start_in_a_new_tab)
    assert errors == []
    assert {status for status, _ in results} == {302} and len({url for _, url in results}) == 1
    assert Response.objects.filter(respondent=person).count() == 1
