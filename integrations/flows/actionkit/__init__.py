"""Mobilize -> ActionKit: `mapping.py` (pure field mapping and firewall masking), `sync.py` (the streams)."""
