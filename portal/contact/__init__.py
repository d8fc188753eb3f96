"""Contact form: a message to the charity, sent on by email (see services.py)."""
