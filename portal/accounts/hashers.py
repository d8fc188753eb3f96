"""How passwords are stored: Argon2id at the OWASP Password Storage Cheat Sheet's first recommended
setting (19 MiB of memory, 2 passes, 1 lane).

Django's own default, PBKDF2-SHA256 at 1,000,000 rounds, took 0.36 s of CPU a sign-in on the 2-core
machine; when many people sign in at once (a meeting starting, a ballot opening) every other request
waited behind those checks (issue 18, `make load`). Argon2id at this setting takes about 0.04 s, and
because each check needs 19 MiB of memory it is harder, not easier, to guess at scale on graphics cards
than PBKDF2. Passwords stored the old way still work, and are stored again this way at the next sign-in
(Django does that when a hash's algorithm or settings differ from the first hasher's).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
