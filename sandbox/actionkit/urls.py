"""URL routes of the emulated actionkit API (filled in by its implementation)."""

urlpatterns: list = []
