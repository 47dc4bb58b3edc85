"""Alert channels: Apprise URLs (mailto://, msteams://, slack://, json://, ntfy://, ...).

Apprise is one maintained library with about a hundred services behind URLs, so a district
adds a channel by pasting a URL rather than waiting for us to write one. Each URL is
checked when it is saved (a malformed one is refused, naming whose it is) and again when
it is used. Secrets in a URL never reach a log, a page or an error message unmasked:
everything shown goes through `masked()` (Apprise's own privacy form).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import apprise

log = logging.getLogger(__name__)
MAX_URLS = 5
MAX_URL_LENGTH = 2000
ERROR_LENGTH = 300


class ChannelError(ValueError):
    pass


class _LastWarning(logging.Handler):
    """Apprise explains a failure only in its log; keep each thread's last warning (sends run in
    parallel, so apprise.LogCapture, which swaps the shared logger's level, would mix them up)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        self.local.text = record.getMessage()

    def take(self) -> str:
        text, self.local.text = getattr(self.local, "text", ""), ""
        return text


_last_warning = _LastWarning()
logging.getLogger(apprise.LOGGER_NAME).addHandler(_last_warning)


def _plugin(url: str) -> apprise.NotifyBase | None:
    try:
        return apprise.Apprise.instantiate(url, asset=_asset())
    except Exception:  # noqa: BLE001 - a plugin's constructor may raise anything on odd input
        return None


def _asset() -> apprise.AppriseAsset:
    return apprise.AppriseAsset(app_id="Welcome Kiosk", app_desc="Visitor arrivals", secure_logging=True)


def masked(url: str) -> str:
    """The URL with its secrets hidden, fit for pages and logs; a bare scheme if it does not parse."""
    plugin = _plugin(url)
    if plugin is not None:
        return str(plugin.url(privacy=True)).split("?", 1)[0]  # without Apprise's default options
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return f"{scheme[:20]}://…" if scheme.isalnum() else "(not a URL)"


def email_to(url: str, address: str) -> str | None:
    """An email channel (mailto://, mailtos://) sending to `address` instead of its own recipients: the
    front office's relay, used to send a visitor their pass. None if `url` is not an email channel."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("mailto", "mailtos"):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in ("to", "cc", "bcc")]
    return urlunsplit(parts._replace(query=urlencode([*query, ("to", address)])))


def split_urls(text: str) -> list[str]:
    """URLs from a text box or a CSV cell: one a line, or separated by spaces."""
    return [u for u in text.split() if u]


def check_urls(urls: Sequence[str], whose: str) -> list[str]:
    """The URLs if every one is usable, else ChannelError naming `whose` and the bad one (masked)."""
    if len(urls) > MAX_URLS:
        raise ChannelError(f"{whose}: at most {MAX_URLS} alert channels")
    for n, url in enumerate(urls, 1):
        if len(url) > MAX_URL_LENGTH:
            raise ChannelError(f"{whose}: channel {n} is longer than {MAX_URL_LENGTH} characters")
        if _plugin(url) is None:
            raise ChannelError(
                f"{whose}: channel {n} ({masked(url)}) is not an Apprise URL this server understands"
                " (see https://github.com/caronc/apprise/wiki for the forms)"
            )
    return list(urls)


@dataclass(frozen=True)
class Delivery:
    delivered: bool  # at least one channel took it: the person knows
    error: str | None = None  # what failed (masked), even when another channel worked


def send(urls: Sequence[str], title: str, body: str, whose: str, attach: str | None = None) -> Delivery:
    """Send on every channel (with a file attached, for channels that take one); never raises. Each
    Apprise plugin sets its own socket timeouts (cto/rto, 4 s by default); the worker also bounds the call."""
    delivered, errors = False, []
    for n, url in enumerate(urls, 1):
        plugin = _plugin(url)
        if plugin is None:
            errors.append(f"{whose}: channel {n} is not a valid Apprise URL ({masked(url)})")
            continue
        _last_warning.take()
        try:
            files = apprise.AppriseAttachment(attach) if attach else None
            ok = bool(plugin.notify(body=body, title=title, attach=files))
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not stop the other alerts
            ok = False
            log.warning("alert channel %s raised %s", plugin.url(privacy=True), type(exc).__name__)
        if ok:
            delivered = True
        else:
            detail = _scrub(_last_warning.take(), url)
            errors.append(f"{whose}: {masked(url)} failed{': ' + detail if detail else ''}")
    error = "; ".join(errors)[:ERROR_LENGTH] if errors else None
    return Delivery(delivered, error)


def _scrub(line: str, url: str) -> str:
    """Apprise's warning with anything of the raw URL hidden (Apprise masks most already)."""
    line = " ".join(line.split())
    for secret in _secrets_of(url):
        line = line.replace(secret, "****")
    return line[:200]


def _secrets_of(url: str) -> list[str]:
    """The parts of a URL that may be secret: userinfo, path segments and query values of 6+ chars."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [p for p in (parts.username, parts.password) if p]
    found += [seg for seg in parts.path.split("/") if len(seg) >= 6]
    found += [v for _, v in parse_qsl(parts.query) if len(v) >= 6]
    return sorted(found, key=len, reverse=True)
