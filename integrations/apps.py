from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"

    def ready(self) -> None:
        # The engine runs flows but never imports them: the flows layer tells it how to find one.
        from integrations.engine.runner import set_flow_resolver
        from integrations.flows.registry import get_flow

        set_flow_resolver(get_flow)
