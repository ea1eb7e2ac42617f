"""Mobilize -> PDI: `mapping.py` (pure field mapping: events, locations, contacts, invitations), `sync.py` (streams)."""
