"""Mobilize -> Ascend (SMS): `mapping.py` (pure rules: members, fields, activities, A/B), `sync.py` (streams)."""
