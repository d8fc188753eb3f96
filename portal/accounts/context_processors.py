"""Template context every page needs about the person viewing it."""


def preferences(request) -> dict:
    """The signed-in person's display preferences (larger text), or none for a visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_preferences": None}
    return {"user_preferences": getattr(user, "profile", None)}
