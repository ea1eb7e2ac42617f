"""Give every organization with a Mobilize API key its mirror integration (the beat tasks come with beat)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Organization = apps.get_model("integrations", "Organization")
    Integration = apps.get_model("integrations", "Integration")
    MirrorState = apps.get_model("integrations", "MirrorState")
    for organization in Organization.objects.all():
        if not organization.mobilize_api_key:
            continue
        if Integration.objects.filter(organization=organization, kind="mobilize_mirror").exists():
            continue
        name, number = "Mobilize mirror", 1
        while Integration.objects.filter(organization=organization, name=name).exists():
            number += 1
            name = f"Mobilize mirror ({number})"
        Integration.objects.create(organization=organization, kind="mobilize_mirror", name=name, enabled=True)
        MirrorState.objects.get_or_create(organization=organization)


def backwards(apps, schema_editor):
    apps.get_model("integrations", "Integration").objects.filter(kind="mobilize_mirror").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_mobilize_mirror"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
