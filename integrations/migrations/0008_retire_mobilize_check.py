"""Retire the "Mobilize check" kind: delete its integrations (with their runs, items, links,
watermarks, retry queue and beat schedules), then drop the choice.

Deleted rather than converted: an organization's Mobilize reading is now its mirror integration
(made by 0006 or the refresh tick), and there is one per organization, so a check cannot become a
second mirror. Nothing a check recorded carries over: its links pointed at no destination (its
"destination" was its own ledger of digests), its watermarks and run counts were about its own
reads, and its validation answered "what does Mobilize hold", which the mirror's records and
runs now show. See README.md ("The check kind, retired").
"""

from django.db import migrations, models

RETIRED_KIND = "mobilize_check"


def delete_check_integrations(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    retired = Integration.objects.filter(kind=RETIRED_KIND)
    # The beat schedules would otherwise go on queueing runs of an integration that is gone.
    schedule_ids = list(retired.exclude(schedule=None).values_list("schedule_id", flat=True))
    retired.delete()  # runs (and their items), links, watermarks, retries, locks, cursors cascade
    PeriodicTask.objects.filter(pk__in=schedule_ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0007_trigger_choices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        # Backwards there is nothing to restore: the kind comes back, its integrations do not.
        migrations.RunPython(delete_check_integrations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="integration",
            name="kind",
            field=models.CharField(
                choices=[
                    ("actionkit_crm", "Mobilize -> ActionKit, CRM style"),
                    ("actionkit_distributed_send", "Mobilize -> ActionKit, distributed send"),
                    ("mobilize_mirror", "Mobilize mirror (reads Mobilize once for every integration)"),
                ],
                max_length=32,
            ),
        ),
    ]
