"""Governance test fixtures: people in each role."""

import pytest

from portal.accounts import roles


@pytest.fixture
def secretary(home_page, user_factory):
    return user_factory(roles=[roles.SECRETARIES], display_name="Sam Secretary")


@pytest.fixture
def trustee(home_page, user_factory):
    return user_factory(roles=[roles.TRUSTEES], display_name="Tess Trustee")
