from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self) -> None:
        # The engine runs flows but never imports them: the flows layer tells it how to find one.
        from integrations.engine.runner import set_flow_resolver
        from integrations.flows.registry import get_flow

        set_flow_resolver(get_flow)

        # An Action Network <-> Mobile Commons pair's two beat schedules go with it (they are not
        # the integration's own schedule, which the database's cascade would not reach either).
        from django.db.models.signals import post_delete

        from integrations.anmc_services import schedules_deleted_with_config
        from integrations.models import AnMcConfig

        post_delete.connect(schedules_deleted_with_config, sender=AnMcConfig, dispatch_uid="anmc_delete_schedules")
