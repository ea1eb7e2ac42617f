from django.apps import AppConfig


class AscendSandboxConfig(AppConfig):
    """The emulated Ascend API: accounts, members, groups, flows and their starts, messages."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.ascend"
    label = "sandbox_ascend"
    verbose_name = "Sandbox: Ascend"
