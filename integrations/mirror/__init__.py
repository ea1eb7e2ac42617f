"""The Mobilize mirror: Mobilize read once per organization, fanned out to its integrations.

- keys.py    pure: a raw record -> its key and derived columns
- store.py   writes (seq allocated under the organization's row lock)
- source.py  raw, resumable pages from Mobilize (a MobilizeClient subclass)
- flow.py    the refresh as a flow over the engine (kind "Mobilize mirror")
- refresh.py the beat tick, back-off, fairness, the mirror integration per organization
- fanout.py  queue the organization's integrations when the mirror changed (debounced)
- reader.py  the read API flows use (changes, get, cursors); its docstring is the contract
- purge.py   retention of personal data

See README.md in this package.
"""
