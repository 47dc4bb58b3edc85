"""The camera's picture on the welcome screen, mirrored like a looking glass, with a frame to hold a pass in.

The scanner (kiosk.camera) captures and decodes on its own threads and keeps the latest colour frame;
this widget only uploads that frame to a texture when it is a new one, a few times a second, while
the welcome screen is showing. Decoding never waits for it.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.uix.image import Image

from screens import theme

PREVIEW_FPS = 15


class CameraPreview(Image):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("fit_mode", "contain")
        super().__init__(**kwargs)
        self._event = None
        self._number = -1
        with self.canvas.after:
            Color(*theme.ON_PRIMARY)
            self._guide = Line(width=2)
        self.bind(pos=self._place_guide, size=self._place_guide, norm_image_size=self._place_guide)

    def play(self, playing: bool) -> None:
        """Follow the camera while the screen shows (the scanner converts colour only then)."""
        app = App.get_running_app()  # None once the app has stopped (its last screen leaves then)
        scanner = app.scanner if app is not None else None
        if scanner is not None:
            scanner.want_preview(playing)
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if playing:
            self._event = Clock.schedule_interval(self.update, 1 / PREVIEW_FPS)

    def update(self, _dt: float = 0) -> None:
        app = App.get_running_app()
        shown = app.scanner.preview() if app is not None and app.scanner is not None else None
        if shown is None or shown.number == self._number:
            return
        self._number = shown.number
        height, width = shown.image.shape[:2]
        texture = self.texture
        if texture is None or tuple(texture.size) != (width, height):
            texture = Texture.create(size=(width, height), colorfmt="rgb")
            texture.flip_vertical()  # the frame's top row first; a texture's bottom row first
            if shown.mirror:
                texture.flip_horizontal()
        texture.blit_buffer(shown.image.tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self.texture = texture
        self.canvas.ask_update()

    def _place_guide(self, *_args: object) -> None:
        width, height = self.norm_image_size
        side = 0.6 * min(width, height)
        x, y = self.center_x - side / 2, self.center_y - side / 2
        self._guide.rounded_rectangle = (x, y, side, side, side / 10)
