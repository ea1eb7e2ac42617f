from django.apps import AppConfig


class MobileCommonsSandboxConfig(AppConfig):
    """The emulated Mobile Commons API: companies, campaigns and opt-in paths, profiles, subscriptions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox.mobilecommons"
    label = "sandbox_mobilecommons"
    verbose_name = "Sandbox: Mobile Commons"
