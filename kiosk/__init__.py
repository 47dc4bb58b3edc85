"""Welcome Kiosk: a visitor sign-in kiosk for school front offices.

The package's core modules import no Kivy; only kiosk.app (the wiring) and screens/ do.
"""

__version__ = "0.1.0"
