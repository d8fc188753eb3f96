"""How django-axes names the account being tried, so 'JO@x.org' and 'jo@x.org ' count as one."""


def lockout_username(request, credentials) -> str | None:
    """The email from the credentials or the sign-in form, lower-cased and trimmed."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return raw.strip().lower() if raw else raw
