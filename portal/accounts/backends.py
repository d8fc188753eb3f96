"""Django's ModelBackend, loading the person's profile with them.

Every signed-in page reads the profile (larger text, easy read first: accounts/context_processors.py),
so the person and their profile come in one query instead of two.
"""

from django.contrib.auth.backends import ModelBackend


class ModelBackendWithProfile(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        model = get_user_model()
        user = model._default_manager.select_related("profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
