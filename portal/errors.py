"""The page for an unexpected error, and a calmer one when the database was briefly out of reach.

Django calls `server_error` (handler500) from inside its exception handling, so the error is still
in `sys.exc_info()`. A lost or refused database connection (PostgreSQL restarted, a connection cut
part-way through a request, SQLite busy for too long) is not a bug in the page: the transaction it
was in has been rolled back, so nothing half-done was kept, and the same request sent again a
moment later works (every write a person can repeat does its work once). It gets a 503 with
Retry-After and a page that says so; Django has already logged it with its traceback. The page says
the step *may* not have been saved: the connection can also be lost after the view's work committed.
Anything else, including database errors that would happen again, gets the plain 500 page.

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


# SQLSTATEs that mean "the connection or the server, not this request": connection exceptions (08),
# operator intervention (57P: shutdown, crash, cannot connect now), out of memory and too many
# connections (53200, 53300; a full disk, 53100, stays full). Others that psycopg also calls OperationalError (a value
# too large for an index, a query too complex, a statement cancelled) would fail again, so they get
# the ordinary error page.
TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "53200", "53300")


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if cause is not None and type(cause).__module__.startswith("sqlite3"):
        return "locked" in str(cause) or "busy" in str(cause)
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES)


def caused_by_lost_database(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) is the database connection or server going away, not a bug."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return _is_transient(error)
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _try_again_soon() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    if caused_by_lost_database(sys.exc_info()[1]):
        return _try_again_soon()
    return HttpResponseServerError(render_to_string("500.html"))


def bad_request(request, exception=None) -> HttpResponse:
    if caused_by_lost_database(exception):
        return _try_again_soon()
    return HttpResponseBadRequest(render_to_string("400.html"))
