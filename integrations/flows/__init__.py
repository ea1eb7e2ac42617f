"""Flows: one package per integration kind (mapping.py pure, sync.py streams)."""
