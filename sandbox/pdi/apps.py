from django.apps import AppConfig


class PdiSandboxConfig(AppConfig):
    """The emulated PDI API: sessions, calendars, locations, contacts, events, invitations."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.pdi"
    label = "sandbox_pdi"
    verbose_name = "Sandbox: PDI"
