"""The REST API under /api/: DRF viewsets scoped to the caller's organizations (see views.py)."""
