"""Secrets at rest: a MultiFernet built from FIELD_ENCRYPTION_KEYS, and the model field using it.

The first key encrypts; every key decrypts, so a key is rotated by putting a new one first,
running `manage.py rotate_keys`, then removing the old one.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        # Never repeat the value: a mistyped key is still (almost) a secret.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes); "
            "generate one with python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'."
        ) from None


def fernet() -> MultiFernet:
    """The MultiFernet for the keys currently in settings."""
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    """Encrypt a secret with the primary key."""
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a secret with whichever configured key made it."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS: was a key removed "
            "before `manage.py rotate_keys` ran?"
        ) from exc


class Secret(str):
    """A decrypted secret whose repr never shows the value (keeps it out of logs and tracebacks)."""

    def __repr__(self) -> str:
        return "Secret('********')"


class SecretAttribute(DeferredAttribute):
    """The field's attribute on an instance: a value assigned in code is held as a `Secret` too.

    Without it a secret just typed into a form or a factory would show in a repr until the
    instance is read back from the database.
    """

    def __set__(self, instance, value) -> None:
        if isinstance(value, str) and value and not isinstance(value, Secret):
            value = Secret(value)
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A TextField stored as a Fernet token and read back as a `Secret`.

    Empty strings are stored as empty strings, so "not set" stays visible without a key.
    """

    descriptor_class = SecretAttribute

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Secret(decrypt(value))

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
