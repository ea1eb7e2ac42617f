from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """What every emulated API shares: fault injection rules and the sandbox commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = "Sandbox (emulated APIs)"

    def ready(self) -> None:
        # The development server (runserver, the demo, pytest's live_server) answers with Nagle's
        # algorithm on; with the client's delayed ACKs every small answer waits ~40 ms, which
        # would make the emulated APIs far slower than the real ones and skew the benchmarks.
        from django.core.servers.basehttp import WSGIRequestHandler

        WSGIRequestHandler.disable_nagle_algorithm = True
