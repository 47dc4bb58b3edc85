"""The district server: visits from every campus's kiosks, and what the kiosks need back."""

__version__ = "0.1.0"
