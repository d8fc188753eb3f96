"""The page for an unexpected error, and a calmer one when the database was briefly out of reach.

Django calls `server_error` (handler500) from inside its exception handling, so the error is still
in `sys.exc_info()`. A lost or refused database connection (PostgreSQL restarted, a connection cut
part-way through a request, SQLite busy for too long) is not a bug in the page: the transaction it
was in has been rolled back, so nothing half-done was kept, and the same request sent again a
moment later works. It gets a 503 with Retry-After and a page that says so; Django has already
logged it with its traceback. Anything else gets the plain 500 page.

The same applies when the connection is lost while the session is saved, after the view has done
its work: Django reports that as `SessionInterrupted`, a 400 ("the session was deleted"), which
would tell the person that what they sent could not be read. `bad_request` (handler400) looks at
what caused it, and answers a lost connection with the 503 page too.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template.loader import render_to_string

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def _caused_by_lost_database(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _try_again_soon() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    if _caused_by_lost_database(sys.exc_info()[1]):
        return _try_again_soon()
    return HttpResponseServerError(render_to_string("500.html"))


def bad_request(request, exception=None) -> HttpResponse:
    if _caused_by_lost_database(exception):
        return _try_again_soon()
    return HttpResponseBadRequest(render_to_string("400.html"))
