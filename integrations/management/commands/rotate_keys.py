"""Re-encrypt every stored secret under the first key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from integrations.crypto import EncryptedTextField


class Command(BaseCommand):
    help = "Rotate secrets at rest: put a new key first in FIELD_ENCRYPTION_KEYS, run this, drop the old key."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            with transaction.atomic():
                # Reading decrypts with whichever key made the token; writing encrypts with the first.
                for row in model._base_manager.values("pk", *names).iterator():
                    secrets = {name: row[name] for name in names if row[name]}
                    if secrets:
                        model._base_manager.filter(pk=row["pk"]).update(**secrets)
                        total += 1
        self.stdout.write(f"Re-encrypted secrets on {total} rows.")
