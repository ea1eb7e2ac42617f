from django.apps import AppConfig


class ActionNetworkSandboxConfig(AppConfig):
    """The emulated Action Network API (OSDI): groups reached by their API token, and their people."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.actionnetwork"
    label = "sandbox_actionnetwork"
    verbose_name = "Sandbox: Action Network"
