"""The sandbox admin's account forms: a new account needs its secret, stored through the account's setter."""

from __future__ import annotations

import pytest

from sandbox.actionnetwork.admin import AccountForm as ActionNetworkAccountForm
from sandbox.ascend.admin import AccountForm as AscendAccountForm
from sandbox.mobilecommons.admin import AccountForm as MobileCommonsAccountForm

pytestmark = pytest.mark.django_db

FORMS = [
    (ActionNetworkAccountForm, {"name": "Group"}, "token"),
    (AscendAccountForm, {"name": "Account"}, "api_key"),
    (MobileCommonsAccountForm, {"name": "Company", "login": "mc@example.org"}, "password"),
]


@pytest.mark.parametrize(("form_class", "data", "secret"), FORMS)
def test_a_new_account_needs_its_secret(form_class, data, secret):
    form = form_class(data=data)
    assert not form.is_valid()
    assert "A new account needs a" in form.errors[secret][0]


@pytest.mark.parametrize(("form_class", "data", "secret"), FORMS)
def test_the_secret_is_stored_and_a_blank_one_keeps_it(form_class, data, secret):
    account = form_class(data={**data, secret: "s3cret-value"}).save()
    stored = {field.name: getattr(account, field.name) for field in account._meta.fields}
    assert "s3cret-value" not in str(stored), "stored hashed, never as given"
    again = form_class(data=data, instance=account)
    assert again.is_valid(), again.errors
    assert {field.name: getattr(again.save(), field.name) for field in account._meta.fields} == stored
