"""Secrets at rest: Fernet tokens in the columns, plaintext in code, never in a repr; key rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction

from integrations.crypto import EncryptedTextField, Secret
from integrations.models import ActionKitConnection, Organization

pytestmark = pytest.mark.django_db

API_KEY = "mobilize-api-key-0123456789abcdef"
PASSWORD = "actionkit-password-fedcba9876543210"


def raw(instance, field_name: str) -> str:
    """The column as stored, read with a cursor (no model field conversion)."""
    quote = connection.ops.quote_name
    column, table = quote(instance._meta.get_field(field_name).column), quote(instance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [instance.pk])
        return cursor.fetchone()[0]


def encrypted_columns() -> list[tuple[type, str]]:
    """Every (model, field name) whose field is an EncryptedTextField, across all installed apps."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


@pytest.fixture
def secrets(make_organization):
    organization = make_organization(mobilize_api_key=API_KEY)
    ak = ActionKitConnection.objects.create(
        organization=organization,
        name="AK",
        base_url="https://campaign.actionkit.com",
        username="api",
        password=PASSWORD,
    )
    return organization, ak


def test_secrets_are_stored_as_fernet_tokens_under_the_configured_key(secrets, settings):
    organization, ak = secrets
    [key] = settings.FIELD_ENCRYPTION_KEYS
    for instance, field_name, plaintext in ((organization, "mobilize_api_key", API_KEY), (ak, "password", PASSWORD)):
        stored = raw(instance, field_name)
        assert plaintext not in stored
        assert Fernet(key.encode()).decrypt(stored.encode()).decode() == plaintext


def test_two_writes_of_one_secret_store_different_tokens(secrets):
    organization, _ = secrets
    first = raw(organization, "mobilize_api_key")
    organization.save()
    assert raw(organization, "mobilize_api_key") != first, "Fernet tokens carry a random IV and a timestamp"


def test_secrets_read_back_as_the_plaintext(secrets):
    organization, ak = secrets
    assert Organization.objects.get(pk=organization.pk).mobilize_api_key == API_KEY
    assert ActionKitConnection.objects.get(pk=ak.pk).password == PASSWORD
    assert Organization.objects.filter(pk=organization.pk).values_list("mobilize_api_key", flat=True)[0] == API_KEY
    # A secret is used as a string: in an Authorization header, in HTTP basic auth.
    assert f"Bearer {Organization.objects.get(pk=organization.pk).mobilize_api_key}" == f"Bearer {API_KEY}"


def test_a_secrets_repr_never_shows_it_whether_just_assigned_or_read_back(secrets):
    organization, ak = secrets
    reloaded_org = Organization.objects.get(pk=organization.pk)
    reloaded_ak = ActionKitConnection.objects.get(pk=ak.pk)
    deferred = Organization.objects.only("name").get(pk=organization.pk)
    assert deferred.mobilize_api_key == API_KEY
    unsaved = Organization(name="New", mobilize_id=1, mobilize_api_key=API_KEY)
    assigned = ActionKitConnection(name="x", password="")
    assigned.password = PASSWORD
    values = [
        organization.mobilize_api_key,
        ak.password,
        reloaded_org.mobilize_api_key,
        reloaded_ak.password,
        deferred.mobilize_api_key,
        unsaved.mobilize_api_key,
        assigned.password,
        Organization.objects.values_list("mobilize_api_key", flat=True).get(pk=organization.pk),
    ]
    for value in values:
        assert isinstance(value, Secret)
        assert API_KEY not in repr(value) and PASSWORD not in repr(value)
        assert repr(value) == "Secret('********')"
    for instance in (organization, ak, reloaded_org, reloaded_ak, unsaved):
        assert API_KEY not in repr(instance) and PASSWORD not in repr(instance)
        assert API_KEY not in str(instance) and PASSWORD not in str(instance)
    # Containers are printed with the reprs of their items (log lines, tracebacks, debuggers).
    assert API_KEY not in repr(vars(reloaded_org)) and PASSWORD not in repr(vars(reloaded_ak))


def test_empty_secrets_stay_empty_and_need_no_key(make_organization, settings):
    organization = make_organization(mobilize_api_key="")
    assert raw(organization, "mobilize_api_key") == ""
    settings.FIELD_ENCRYPTION_KEYS = []
    reloaded = Organization.objects.get(pk=organization.pk)
    assert reloaded.mobilize_api_key == "" and not reloaded.has_api_key
    reloaded.save()
    assert raw(organization, "mobilize_api_key") == ""


def test_values_written_under_the_old_key_still_decrypt_after_a_new_key_is_put_first(secrets, settings):
    organization, ak = secrets
    [old] = settings.FIELD_ENCRYPTION_KEYS
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert Organization.objects.get(pk=organization.pk).mobilize_api_key == API_KEY
    assert ActionKitConnection.objects.get(pk=ak.pk).password == PASSWORD
    # New writes use the first key.
    organization.save()
    Fernet(new.encode()).decrypt(raw(organization, "mobilize_api_key").encode())


def test_rotate_keys_re_encrypts_every_encrypted_column_under_the_first_key(secrets, make_organization, settings):
    organization, ak = secrets
    without_key = make_organization(mobilize_api_key="")
    [old] = settings.FIELD_ENCRYPTION_KEYS
    new = Fernet.generate_key().decode()
    assert {(model.__name__, name) for model, name in encrypted_columns()} >= {
        ("Organization", "mobilize_api_key"),
        ("ActionKitConnection", "password"),
    }
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Re-encrypted secrets on 2 rows." in out.getvalue()

    for model, field_name in encrypted_columns():
        for instance in model._base_manager.all():
            stored = raw(instance, field_name)
            if not stored:
                continue
            Fernet(new.encode()).decrypt(stored.encode())  # the new key alone reads it
            with pytest.raises(InvalidToken):
                Fernet(old.encode()).decrypt(stored.encode())
    assert raw(without_key, "mobilize_api_key") == "", "an empty secret stays empty"

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is dropped
    assert Organization.objects.get(pk=organization.pk).mobilize_api_key == API_KEY
    assert ActionKitConnection.objects.get(pk=ak.pk).password == PASSWORD


def test_dropping_the_old_key_without_rotating_gives_a_readable_message(secrets, settings):
    organization, _ = secrets
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match=r"cannot be decrypted with FIELD_ENCRYPTION_KEYS.*rotate_keys"):
        Organization.objects.get(pk=organization.pk)


def test_no_key_gives_a_readable_message(make_organization, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with (
        pytest.raises(ImproperlyConfigured, match=r"FIELD_ENCRYPTION_KEYS is empty.*generate_key"),
        transaction.atomic(),
    ):
        make_organization(mobilize_api_key=API_KEY)
    assert not Organization.objects.exists(), "nothing is stored unencrypted instead"


def test_a_malformed_key_gives_a_readable_message_that_does_not_repeat_it(make_organization, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["change-me-not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key") as raised:
        make_organization(mobilize_api_key=API_KEY)
    assert "change-me-not-a-fernet-key" not in str(raised.value)
