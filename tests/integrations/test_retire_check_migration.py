"""Migration 0008 retires the check kind: its integrations go with everything they recorded and their schedules."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("integrations", "0007_trigger_choices")


def migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def test_check_integrations_are_deleted_with_their_records_and_schedules_and_others_stay():
    executor = MigrationExecutor(connection)
    retirement = executor.loader.get_migration_by_prefix("integrations", "0008")
    retired_kind = import_module(type(retirement).__module__).RETIRED_KIND
    after = ("integrations", retirement.name)
    apps = migrate(BEFORE)
    try:
        Organization = apps.get_model("integrations", "Organization")
        Integration = apps.get_model("integrations", "Integration")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        org = Organization.objects.create(name="Campaign", mobilize_id=4242, mobilize_base_url="http://m.invalid/v1")
        every, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")

        def integration(kind: str, name: str):
            task = PeriodicTask.objects.create(name=f"run {name}", task="integrations.run_integration", interval=every)
            return Integration.objects.create(organization=org, kind=kind, name=name, schedule=task)

        check = integration(retired_kind, "Check")
        integration("mobilize_mirror", "Mobilize mirror")
        crm = integration("actionkit_crm", "CRM")
        for owner in (check, crm):
            run = apps.get_model("integrations", "SyncRun").objects.create(integration=owner, status="succeeded")
            apps.get_model("integrations", "SyncItem").objects.create(
                run=run, stream="people", source_type="s", source_id="1", action="created"
            )
            apps.get_model("integrations", "RecordLink").objects.create(
                integration=owner,
                source_type="s",
                source_id="1",
                destination_type="d",
                destination_id="1",
                payload_hash="x" * 64,
                synced_at=timezone.now(),
            )
            apps.get_model("integrations", "Watermark").objects.create(integration=owner, stream="people", value=1)
            apps.get_model("integrations", "PendingRetry").objects.create(
                integration=owner, stream="people", source_id="2", record={}, error="no"
            )

        apps = migrate(after)
        Integration = apps.get_model("integrations", "Integration")
        assert set(Integration.objects.values_list("name", flat=True)) == {"Mobilize mirror", "CRM"}
        for model in ("SyncRun", "RecordLink", "Watermark", "PendingRetry"):
            owners = set(apps.get_model("integrations", model).objects.values_list("integration_id", flat=True))
            assert owners == {crm.pk}, model
        assert apps.get_model("integrations", "SyncItem").objects.get().run.integration_id == crm.pk
        tasks = apps.get_model("django_celery_beat", "PeriodicTask").objects.values_list("name", flat=True)
        assert set(tasks) == {"run Mobilize mirror", "run CRM"}, "the check's schedule went with it"
        assert Organization.objects.filter(pk=org.pk).exists()
    finally:
        migrate(executor.loader.graph.leaf_nodes("integrations")[0])
