"""The kiosk's message catalogs (gettext .po files, kept with Babel) and languages.toml.

A package only so that the catalogs travel inside the wheel; it holds no code.
"""
