"""The camera as an optional part of the kiosk that checks itself: capture and decoding off the UI thread.

Two daemon threads. The capture thread reads frames as fast as the camera sends them and leaves only
the latest in a one-frame mailbox: when decoding lags, older frames are dropped (and counted), never
queued, so what is decoded is what is in view now and memory stays flat. The decode thread takes the
latest frame, at most about `fps` a second, and reports texts not seen in the last few seconds.

A camera that is missing, busy, unplugged or stalled turns the part "unavailable" with a sentence for
staff mode; the capture thread closes it and tries again with a growing wait (2 s, 4 s ... 1 min), and
nothing else in the kiosk waits for it (Mopidy's extensions: disabled with a reason, never stopping the
app). `on_codes` is called on the decode thread: a Kivy app hands it to its own thread (Clock).
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from kiosk.camera.base import CameraError, EndOfFrames, FrameSource, SourceFailed, SourceUnavailable, cause_chain
from kiosk.camera.picam import import_picamera2
from kiosk.config import CameraSettings

log = logging.getLogger(__name__)

Decoder = Callable[[np.ndarray], list[str]]

OFF = "off"  # not used: source = "none", or a decoder that cannot run; not tried again
STARTING = "starting"  # opening the camera, or waiting for its first picture
RUNNING = "running"
STALLED = "stalled"  # open, but no picture for stall_seconds (a read blocked in the driver)
UNAVAILABLE = "unavailable"  # failed; tried again at retry_in
FINISHED = "finished"  # a files source that does not loop has shown everything
STOPPED = "stopped"  # stop() was called (the app is closing)

FPS_WINDOW = 5.0  # seconds over which frames/s is counted


@dataclass(frozen=True)
class CameraStatus:
    """What staff mode shows about the camera, a snapshot; every field is safe to read from any thread."""

    state: str
    source: str = ""  # the source's name: "opencv /dev/video0", "picamera2 imx708", "files passes"
    reason: str = ""  # why it is not running, for staff to read and act on
    fps: float = 0.0  # frames decoded a second, over the last few seconds
    size: tuple[int, int] | None = None  # of the last frame, as the camera actually sent it
    last_code_at: datetime | None = None  # when a code was last reported (UTC)
    retry_in: float | None = None  # seconds until the next try, when unavailable
    frames: int = 0  # decoded since start
    dropped: int = 0  # captured but never decoded because decoding lagged
    decode_ms: float | None = None  # median over the last frames

    @property
    def on(self) -> bool:
        return self.state == RUNNING

    def summary(self) -> str:
        """One line for staff mode and `kiosk doctor`, in English like the rest of what IT reads."""
        if self.state == RUNNING:
            text = f"Camera on: {self.source}, {self.fps:.0f} frames/s"
            if self.last_code_at is not None:
                text += f", last code read {self.last_code_at.astimezone().strftime('%H:%M:%S')}"
            return text
        if self.state == STARTING:
            return f"Camera starting: {self.source}"
        text = f"Camera {self.state}: {self.reason or self.source}"
        if self.retry_in is not None:
            text += f" (trying again in {self.retry_in:.0f} s)"
        return text


@dataclass(frozen=True, slots=True)
class Preview:
    """The latest colour frame for the UI: H×W×3 uint8 RGB, top row first, never written to again.
    `number` grows with each new frame, so the UI uploads a texture only when it changed."""

    image: np.ndarray
    number: int
    mirror: bool


class Debounce:
    """Which texts are news. A text seen within `seconds` of its last sighting is not, so a pass held in
    view for a minute is reported once, and reported again only after it has been out of view that long."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last_seen: dict[str, float] = {}

    def fresh(self, texts: Iterable[str], now: float) -> list[str]:
        news = []
        for text in dict.fromkeys(texts):  # a frame holding the same code twice reports it once
            last = self._last_seen.get(text)
            if last is None or now - last > self.seconds:
                news.append(text)
            self._last_seen[text] = now
        self._last_seen = {t: at for t, at in self._last_seen.items() if now - at <= self.seconds}
        return news


class Scanner:
    """Reads codes from `source` with `decoder` and calls `on_codes(texts)` with each new one.

    `clock` stamps frames (the debounce compares those stamps); tests give it a clock of their own.
    `retry` is the first and the longest wait between tries; a run that lasted `healthy_seconds` starts
    the waits again from the first.
    """

    def __init__(
        self,
        source: FrameSource | None,
        decoder: Decoder,
        on_codes: Callable[[list[str]], None],
        *,
        decoder_name: str = "",
        fps: float = 15.0,
        debounce_seconds: float = 3.0,
        retry: tuple[float, float] = (2.0, 60.0),
        healthy_seconds: float = 30.0,
        stall_seconds: float = 10.0,
        mirror: bool = True,
        clock: Callable[[], float] = time.monotonic,
        off_reason: str = "the camera is turned off in the configuration ([camera] source = \"none\")",
    ) -> None:
        self.source = source
        self.decoder = decoder
        self.decoder_name = decoder_name or getattr(decoder, "__name__", "decoder")
        self.on_codes = on_codes
        self.period = 0.8 / fps  # "at most about fps": a camera sending exactly fps, with jitter, loses none
        self.retry = retry
        self.healthy_seconds = healthy_seconds
        self.stall_seconds = stall_seconds
        self.mirror = mirror
        self._clock = clock
        self._debounce = Debounce(debounce_seconds)
        self._lock = threading.Lock()
        self._frame_ready = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._wake = threading.Event()  # ends a wait between tries: stop(), retry_now()
        self._pending: tuple[np.ndarray, float] | None = None
        self._capture_done = False
        self._preview: Preview | None = None
        self._preview_wanted = False
        self._threads: list[threading.Thread] = []
        self._logged: set[str] = set()
        # what status() reports; written under _lock
        self._state = OFF if source is None else STARTING
        self._reason = off_reason if source is None else ""
        self._retry_at: float | None = None
        self._size: tuple[int, int] | None = None
        self._captured = 0
        self._decoded = 0
        self._dropped = 0
        self._decode_errors = 0
        self._last_frame_at = 0.0
        self._last_code_at: datetime | None = None
        self._decode_ms: deque[float] = deque(maxlen=30)
        self._decoded_at: deque[float] = deque()

    @classmethod
    def from_settings(
        cls,
        settings: CameraSettings,
        on_codes: Callable[[list[str]], None],
        *,
        load_picamera2: Callable[[], Any] = import_picamera2,
        **options: Any,
    ) -> Scanner:
        """The scanner the [camera] section describes, not started; `options` as for Scanner()."""
        from kiosk.camera.auto import make_source
        from kiosk.qrdecode import DECODERS

        source = make_source(settings, load_picamera2=load_picamera2)
        return cls(source, DECODERS[settings.decoder], on_codes, decoder_name=settings.decoder, fps=settings.fps,
                   mirror=settings.mirror, **options)  # fmt: skip

    # -- the app's side ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the threads (returns at once); a scanner that is off stays off and says why."""
        if self.source is None or self._threads:
            return
        try:
            self.decoder(np.zeros((64, 64), np.uint8))  # the decoder's self-check: pyzbar without libzbar0 fails here
        except Exception as exc:
            log.error("camera off: the decoder %r cannot run: %s", self.decoder_name, cause_chain(exc))
            self._set(state=OFF, reason=f"the QR decoder {self.decoder_name!r} cannot run ({cause_chain(exc)})")
            return
        self._threads = [
            threading.Thread(target=self._capture_loop, name="camera-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="camera-decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads; a read blocked in a driver is waited for `timeout` at most (the threads are daemons)."""
        self._stop.set()
        self._wake.set()
        with self._frame_ready:
            self._frame_ready.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("camera: %s did not stop within %s s (a read blocked in the driver)", thread.name, timeout)
        if self._state != OFF:
            self._set(state=STOPPED, reason="the kiosk is stopping", retry_at=None)

    def retry_now(self) -> None:
        """Try the camera again at once instead of at the end of the wait (staff plugged it back in)."""
        self._wake.set()

    def want_preview(self, wanted: bool) -> None:
        """Whether frames should come with colour (the welcome screen is showing): colour costs a conversion."""
        self._preview_wanted = wanted

    def preview(self) -> Preview | None:
        """The latest colour frame, or None: cheap, for the UI thread to call on every frame it draws."""
        return self._preview

    def status(self) -> CameraStatus:
        with self._lock:
            now = time.monotonic()
            while self._decoded_at and now - self._decoded_at[0] > FPS_WINDOW:
                self._decoded_at.popleft()
            state, reason = self._state, self._reason
            if state == RUNNING and now - self._last_frame_at > self.stall_seconds:
                state, reason = STALLED, f"no picture from the camera for {now - self._last_frame_at:.0f} s"
            return CameraStatus(
                state=state,
                source=self.source.name if self.source is not None else "",
                reason=reason,
                fps=len(self._decoded_at) / FPS_WINDOW if state == RUNNING else 0.0,
                size=self._size,
                last_code_at=self._last_code_at,
                retry_in=max(0.0, self._retry_at - now) if self._retry_at is not None else None,
                frames=self._decoded,
                dropped=self._dropped,
                decode_ms=round(statistics.median(self._decode_ms), 2) if self._decode_ms else None,
            )

    # -- the capture thread ----------------------------------------------------------------------
    def _set(self, **fields: object) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(self, f"_{name}", value)

    def _capture_loop(self) -> None:
        failures, last_reason = 0, ""
        try:
            while not self._stop.is_set():
                self._set(state=STARTING, reason="", retry_at=None)
                began = time.monotonic()
                outcome = self._run()
                if self._stop.is_set() or outcome is None:
                    return
                if isinstance(outcome, EndOfFrames):
                    log.info("camera finished: %s", outcome.reason)
                    self._set(state=FINISHED, reason=outcome.reason)
                    return
                failures = 1 if time.monotonic() - began >= self.healthy_seconds else failures + 1
                wait = min(self.retry[0] * 2 ** min(failures - 1, 20), self.retry[1])
                if outcome.reason != last_reason:  # said once, not at every try
                    log.warning("camera unavailable: %s (trying again with a growing wait)", outcome.reason)
                    last_reason = outcome.reason
                self._set(state=UNAVAILABLE, reason=outcome.reason, retry_at=time.monotonic() + wait)
                self._wake.clear()
                if self._stop.is_set():
                    return
                self._wake.wait(wait)
        finally:
            with self._frame_ready:
                self._capture_done = True
                self._frame_ready.notify_all()

    def _run(self) -> CameraError | None:
        """Open the source and read until it fails or stop(); what ended it (None: stopped)."""
        assert self.source is not None
        try:
            self.source.open()
        except CameraError as exc:
            return exc
        except Exception as exc:  # a bug or an odd driver must not end the camera for good: log it, try again
            self._log_unexpected(exc, "opening")
            return SourceUnavailable(f"{self.source.name} could not be opened ({cause_chain(exc)})")
        try:
            while not self._stop.is_set():
                frame = self.source.read(preview=self._preview_wanted)
                stamp = self._clock()
                grey = frame.grey
                if grey.ndim != 2 or grey.dtype != np.uint8 or 0 in grey.shape:
                    raise SourceFailed(f"the camera sent a frame of shape {grey.shape} {grey.dtype}, not a grey image")
                with self._frame_ready:
                    if self._state != RUNNING:
                        log.info("camera on: %s, %d×%d", self.source.name, grey.shape[1], grey.shape[0])
                        self._state, self._reason = RUNNING, ""
                    if self._pending is not None:
                        self._dropped += 1
                    self._pending = (grey, stamp)
                    self._captured += 1
                    self._size = (grey.shape[1], grey.shape[0])
                    self._last_frame_at = time.monotonic()
                    self._frame_ready.notify()
                if frame.preview is not None:
                    self._preview = Preview(frame.preview, self._captured, self.mirror)
            return None
        except CameraError as exc:
            return exc
        except Exception as exc:  # an OSError from a driver (ENODEV: unplugged), a bug: a camera that failed
            self._log_unexpected(exc, "reading")
            return SourceFailed(f"the camera failed ({cause_chain(exc)})")
        finally:
            try:
                self.source.close()
            except Exception:
                log.exception("camera: closing %s failed", self.source.name)

    def _log_unexpected(self, exc: Exception, doing: str) -> None:
        """An OSError is what an unplugged device raises: the reason says enough. Anything else may be a bug,
        logged with its traceback, once per message (a camera retried every minute must not fill the log)."""
        if isinstance(exc, OSError) or str(exc) in self._logged:
            return
        self._logged.add(str(exc))
        assert self.source is not None
        log.error("camera: %s %s failed unexpectedly", doing, self.source.name, exc_info=exc)

    # -- the decode thread -----------------------------------------------------------------------
    def _decode_loop(self) -> None:
        next_at = 0.0
        while True:
            with self._frame_ready:
                while self._pending is None and not self._stop.is_set() and not self._capture_done:
                    self._frame_ready.wait(1.0)
                if self._pending is None or self._stop.is_set():
                    return
                grey, stamp = self._pending
                self._pending = None
            began = time.perf_counter()
            try:
                texts = self.decoder(grey)
            except Exception:
                self._decode_errors += 1
                if self._decode_errors in (1, 10, 100, 1000):  # a bad frame now and then is no reason to stop
                    log.exception("camera: the decoder failed on a frame (%d so far)", self._decode_errors)
                texts = []
            with self._lock:
                self._decode_ms.append((time.perf_counter() - began) * 1000)
                self._decoded += 1
                self._decoded_at.append(time.monotonic())
            news = self._debounce.fresh(texts, stamp)
            if news and not self._stop.is_set():
                self._set(last_code_at=datetime.now(UTC))
                try:
                    self.on_codes(news)
                except Exception:
                    log.exception("camera: handing on %d code(s) failed", len(news))  # never the codes: passes
            now = time.monotonic()
            if now < next_at:
                self._stop.wait(next_at - now)
            next_at = max(now, next_at) + self.period
