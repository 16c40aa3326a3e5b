"""Whistle's domain: the organisation, the matter catalogue, the step table and its rules.

Pure: standard library and pydantic only — no I/O, no clock, no Temporal. Callers pass ``now``.
"""
