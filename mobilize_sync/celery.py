"""The Celery application. Workers and beat start with `celery -A mobilize_sync ...`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobilize_sync.settings")

app = Celery("mobilize_sync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
