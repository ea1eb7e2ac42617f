from django.apps import AppConfig


class ActionKitSandboxConfig(AppConfig):
    """The emulated ActionKit REST API: users, phones, events, event fields, signups, pages."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.actionkit"
    label = "sandbox_actionkit"
    verbose_name = "Sandbox: ActionKit"
