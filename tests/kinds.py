"""An integration kind no production flow has, for tests' in-memory flows.

`make_integration` creates integrations of this kind unless told otherwise; the memory flows
(tests/integrations/_memory.py, tests/admin/memory_flow.py) register under it with monkeypatch,
so a test that runs one never stands in for a real kind. Without a registered flow such an
integration is simply one whose kind has no flow (the engine and admin say so).
"""

MEMORY = "test_memory"
