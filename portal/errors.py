"""The page for an unexpected error, and a calmer one when the database was briefly out of reach.

Django calls `server_error` (handler500) from inside its exception handling, so the error is still
in `sys.exc_info()`. A lost or refused database connection (PostgreSQL restarted, a connection cut
part-way through a request, SQLite busy for too long) is not a bug in the page: the transaction it
was in has been rolled back, so nothing half-done was kept, and the same request sent again a
moment later works. It gets a 503 with Retry-After and a page that says so; Django has already
logged it with its traceback. Anything else gets the plain 500 page.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def server_error(request) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(render_to_string("500.html"))
