"""Shown when the kiosk cannot serve visitors (a broken config): a kind word for visitors,
the precise problem for staff, and a retry every few seconds until it is fixed."""

from __future__ import annotations

from screens.base import KioskScreen, load_kv


class AttentionScreen(KioskScreen):
    pass


SCREEN = AttentionScreen
load_kv(__file__)
