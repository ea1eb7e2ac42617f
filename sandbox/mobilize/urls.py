"""URL routes of the emulated mobilize API (filled in by its implementation)."""

urlpatterns: list = []
