"""Fixtures for the whole suite: factories, a page tree, and role-holding people."""

import pytest

from portal.accounts import roles
from portal.home.setup import ensure_home_page

from .factories import DEFAULT_PASSWORD, ProfileFactory, UserFactory


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def profile_factory(db):
    return ProfileFactory


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def service_user(db):
    return UserFactory(roles=[roles.SERVICE_USERS])


@pytest.fixture
def home_page(db):
    """The HomePage at the site root. Recreated when a transactional test or live_server flushed it."""
    from django.contrib.auth.models import Group

    home = ensure_home_page()
    if not Group.objects.filter(name=roles.SERVICE_USERS).exists():
        from django.apps import apps

        roles.apply_roles(apps)
    return home
