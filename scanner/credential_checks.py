"""Validators and false-positive filters for credential rules (registered by name)."""

from __future__ import annotations
