"""Colours of the kiosk: calm, high contrast (text on background is above WCAG AAA 7:1)."""

BACKGROUND = (0.973, 0.969, 0.953, 1)  # warm off-white #F8F7F3
SURFACE = (1, 1, 1, 1)
INK = (0.086, 0.125, 0.192, 1)  # #162031, 15:1 on the background
MUTED = (0.29, 0.33, 0.40, 1)  # #4A5466, 7.4:1
PRIMARY = (0.086, 0.33, 0.62, 1)  # #16549E, white text on it 7.6:1
PRIMARY_PRESSED = (0.05, 0.24, 0.47, 1)
ON_PRIMARY = (1, 1, 1, 1)
OUTLINE = (0.76, 0.78, 0.82, 1)
SELECTED = (0.86, 0.92, 0.99, 1)
KEY = (1, 1, 1, 1)
KEY_PRESSED = (0.80, 0.86, 0.94, 1)
KEYBOARD = (0.90, 0.91, 0.93, 1)
ERROR = (0.64, 0.11, 0.11, 1)  # #A31C1C, 7.0:1 on the background
ERROR_SURFACE = (0.99, 0.93, 0.92, 1)
SUCCESS = (0.07, 0.43, 0.24, 1)  # #116E3D
SUCCESS_SURFACE = (0.91, 0.97, 0.93, 1)
