"""gunicorn's settings wherever the portal is served: the Dockerfile's web service, `make load`,
`.ci/services-check` and the fault tests all start gunicorn in this folder, and gunicorn reads
./gunicorn.conf.py by default. Options given on the command line still win.

The access log names the path only (%(U)s), never the query string and never the Referer, so nothing a
person typed into a page that uses GET (a search, an old receipt-check link) is written to the log. The
time the request took in the worker (%(M)s, milliseconds) is kept: bench/load/run.py reads it.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
