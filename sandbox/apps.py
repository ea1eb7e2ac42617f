from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """What every emulated API shares: fault injection rules and the sandbox commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = "Sandbox (emulated APIs)"
