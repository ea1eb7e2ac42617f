from django.apps import AppConfig


class MobilizeSandboxConfig(AppConfig):
    """The emulated Mobilize API: organizations, events, attendances, people, served over HTTP."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.mobilize"
    label = "sandbox_mobilize"
    verbose_name = "Sandbox: Mobilize"
