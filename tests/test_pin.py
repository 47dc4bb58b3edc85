"""kiosk/pin.py: the staff PIN is stored only as a salted hash, and guessing it is slow."""

from __future__ import annotations

import base64
import json

import pytest

from kiosk.pin import PinGate, hash_pin, parse_pin_hash, verify_secret

PIN = "24680135"


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- hashing ---------------------------------------------------------------------------------


def test_the_right_pin_verifies(pin_hash: str) -> None:
    assert verify_secret(PIN, pin_hash) is True


@pytest.mark.parametrize("wrong", ["24680136", "2468013", "246801350", "0000", "", "24680135 "])
def test_a_wrong_pin_does_not_verify(pin_hash: str, wrong: str) -> None:
    assert verify_secret(wrong, pin_hash) is False


def test_the_hash_does_not_contain_the_pin(pin_hash: str) -> None:
    assert PIN not in pin_hash
    assert base64.b64encode(PIN.encode()).decode() not in pin_hash


def test_two_hashes_of_one_pin_differ_and_both_verify(pin_hash: str) -> None:
    other = hash_pin(PIN)
    assert other != pin_hash
    assert parse_pin_hash(other)[3] != parse_pin_hash(pin_hash)[3]  # the salts differ
    assert verify_secret(PIN, other)


def test_the_hash_has_the_form_the_config_file_takes(pin_hash: str) -> None:
    n, r, p, salt, digest = parse_pin_hash(pin_hash)
    assert pin_hash.startswith("scrypt$")
    assert n >= 2**14 and r >= 8 and p >= 1
    assert len(salt) >= 16 and len(digest) >= 32


@pytest.mark.parametrize("pin", ["123", "1" * 13, "12a4", "12 34", "١٢٣٤", ""])
def test_hash_pin_refuses_what_is_not_a_pin(pin: str) -> None:
    with pytest.raises(ValueError):
        hash_pin(pin)


_SALT = base64.b64encode(b"s" * 16).decode()
_DIGEST = base64.b64encode(b"d" * 32).decode()

MALFORMED = [
    "",
    "1234",
    "scrypt",
    f"bcrypt$16384$8$1${_SALT}${_DIGEST}",
    f"scrypt$16384$8$1${_SALT}",
    f"scrypt$16384$8$1${_SALT}${_DIGEST}$extra",
    f"scrypt$abc$8$1${_SALT}${_DIGEST}",
    f"scrypt$16384$8$1$!!!!${_DIGEST}",
    f"scrypt$16384$8$1${_SALT}$not-base64",
    f"scrypt$10000$8$1${_SALT}${_DIGEST}",  # N not a power of two
    f"scrypt$16$8$1${_SALT}${_DIGEST}",  # N too small to slow anyone down
    f"scrypt$16384$0$1${_SALT}${_DIGEST}",
    f"scrypt$16384$8$0${_SALT}${_DIGEST}",
    f"scrypt$16384$8$1${base64.b64encode(b'ss').decode()}${_DIGEST}",  # salt too short
    f"scrypt$16384$8$1${_SALT}${base64.b64encode(b'dd').decode()}",  # digest too short
    # Parameters that need more memory than the kiosk allows itself (1 GiB, 128 TiB): such a
    # hash can never be checked, so it must be refused when the config is read.
    f"scrypt${2**20}$8$1${_SALT}${_DIGEST}",
    f"scrypt${2**40}$8$1${_SALT}${_DIGEST}",
]


@pytest.mark.parametrize("encoded", MALFORMED)
def test_a_malformed_hash_is_rejected(encoded: str) -> None:
    with pytest.raises(ValueError):
        parse_pin_hash(encoded)


@pytest.mark.parametrize("encoded", MALFORMED)
def test_a_malformed_hash_verifies_nothing_and_does_not_crash(encoded: str) -> None:
    assert verify_secret("1234", encoded) is False


# --- the gate at the screen -----------------------------------------------------------------


def test_the_right_pin_opens_the_gate(pin_hash: str) -> None:
    gate = PinGate(pin_hash, clock=FakeClock())
    assert gate.enabled
    attempt = gate.try_pin(PIN)
    assert attempt.ok and attempt.locked_seconds == 0


def test_without_a_pin_hash_staff_mode_is_off() -> None:
    gate = PinGate(None, clock=FakeClock())
    assert not gate.enabled
    assert gate.try_pin("1234").ok is False
    assert gate.try_pin("").ok is False


def _fail(gate: PinGate, times: int) -> list[int]:
    return [gate.try_pin("0000").locked_seconds for _ in range(times)]


def test_five_wrong_pins_lock_for_a_minute(pin_hash: str) -> None:
    gate = PinGate(pin_hash, clock=FakeClock())
    assert _fail(gate, 4) == [0, 0, 0, 0]
    assert gate.locked_for() == 0
    fifth = gate.try_pin("0000")
    assert fifth.ok is False and fifth.locked_seconds == 60
    assert gate.locked_for() == 60


def test_the_right_pin_is_refused_during_the_lockout(pin_hash: str) -> None:
    clock = FakeClock()
    gate = PinGate(pin_hash, clock=clock)
    _fail(gate, 5)
    clock.advance(30)
    attempt = gate.try_pin(PIN)
    assert attempt.ok is False
    assert attempt.locked_seconds == 30
    clock.advance(29.5)
    assert gate.try_pin(PIN).ok is False
    assert gate.locked_for() == 1  # half a second left is shown as one, never as zero


def test_tries_during_the_lockout_do_not_extend_it(pin_hash: str) -> None:
    clock = FakeClock()
    gate = PinGate(pin_hash, clock=clock)
    _fail(gate, 5)
    clock.advance(10)
    assert _fail(gate, 10) == [50] * 10
    clock.advance(50)
    assert gate.try_pin(PIN).ok


def test_the_lock_expires(pin_hash: str) -> None:
    clock = FakeClock()
    gate = PinGate(pin_hash, clock=clock)
    _fail(gate, 5)
    clock.advance(60)
    assert gate.locked_for() == 0
    assert gate.try_pin(PIN).ok


def test_the_next_lockout_doubles(pin_hash: str) -> None:
    clock = FakeClock()
    gate = PinGate(pin_hash, clock=clock)
    assert _fail(gate, 5)[-1] == 60
    clock.advance(60)
    assert _fail(gate, 5) == [0, 0, 0, 0, 120]
    clock.advance(119)
    assert gate.try_pin(PIN).ok is False
    clock.advance(1)
    assert _fail(gate, 5)[-1] == 240


def test_the_right_pin_resets_the_doubling(pin_hash: str) -> None:
    clock = FakeClock()
    gate = PinGate(pin_hash, clock=clock)
    _fail(gate, 5)
    clock.advance(60)
    assert gate.try_pin(PIN).ok
    assert _fail(gate, 5)[-1] == 60


def test_a_right_pin_clears_earlier_wrong_tries(pin_hash: str) -> None:
    gate = PinGate(pin_hash, clock=FakeClock())
    _fail(gate, 4)
    assert gate.try_pin(PIN).ok
    assert _fail(gate, 4) == [0, 0, 0, 0]


# --- the count survives a restart -----------------------------------------------------------


class Memory:
    """What a LockoutMemory holds between runs (the kiosk keeps it in its SQLite store)."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value

    def load(self) -> str | None:
        return self.value

    def save(self, value: str) -> None:
        self.value = value


class Kiosk:
    """A kiosk's runs over time: one wall clock and one memory; each boot has its own id and a
    monotonic clock that starts somewhere else entirely (the kiosk restarting within one boot
    keeps it)."""

    def __init__(self, pin_hash: str) -> None:
        self.pin_hash = pin_hash
        self.memory = Memory()
        self.wall = FakeClock(start=1_700_000_000)
        self.boots = 0
        self.reboot()

    def reboot(self) -> None:
        self.boots += 1
        self.clock = FakeClock(start=5.0 * self.boots)

    def wait(self, seconds: float) -> None:
        self.wall.advance(seconds)
        self.clock.advance(seconds)

    def start(self, pin_hash: str | None = None) -> PinGate:
        boot = f"boot-{self.boots}"
        return PinGate(pin_hash or self.pin_hash, clock=self.clock, memory=self.memory, wall=self.wall,
                       boot=lambda: boot)  # fmt: skip


def test_pulling_the_plug_does_not_grant_fresh_guesses(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    assert _fail(kiosk.start(), 4) == [0, 0, 0, 0]
    kiosk.reboot()
    assert kiosk.start().try_pin("0000").locked_seconds == 60


def test_a_lock_survives_a_reboot_and_keeps_running_while_off(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    _fail(kiosk.start(), 5)
    kiosk.reboot()
    kiosk.wall.advance(20)
    assert kiosk.start().locked_for() == 40
    assert kiosk.start().try_pin(PIN).ok is False
    kiosk.wall.advance(60)
    assert kiosk.start().try_pin(PIN).ok


def test_a_restart_within_one_boot_keeps_the_lock_whatever_the_wall_clock_does(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    _fail(kiosk.start(), 5)
    kiosk.clock.advance(15)
    kiosk.wall.advance(-3600)  # NTP corrected the clock meanwhile
    assert kiosk.start().locked_for() == 45


def test_the_doubling_survives_a_restart(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    _fail(kiosk.start(), 5)
    kiosk.wait(60)
    kiosk.reboot()
    assert _fail(kiosk.start(), 5) == [0, 0, 0, 0, 120]


def test_a_clock_set_back_never_makes_the_lock_longer(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    _fail(kiosk.start(), 5)
    kiosk.reboot()
    kiosk.wall.advance(-86_400)  # a Pi without a battery clock boots a day in the past
    assert kiosk.start().locked_for() == 60


def test_an_expired_lock_does_not_come_back_after_a_reboot_with_a_wrong_clock(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    gate = kiosk.start()
    for _ in range(6):  # the longest lock, 64 minutes
        _fail(gate, 5)
        kiosk.wait(gate.locked_for())
    kiosk.wait(7 * 86_400)  # a week later, unused; then a power cut, and the clock boots in the past
    kiosk.reboot()
    kiosk.wall.advance(-50 * 60)
    assert kiosk.start().locked_for() <= 60  # not the 64 minutes the record last said
    kiosk.reboot()
    kiosk.wall.now = 0  # the clock at 1970 before NTP
    assert kiosk.start().locked_for() <= 60


def test_a_day_without_wrong_pins_forgets_the_doubling(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    gate = kiosk.start()
    for _ in range(4):
        _fail(gate, 5)
        kiosk.wait(gate.locked_for())
    assert _fail(gate, 5)[-1] == 960
    kiosk.wait(86_400 + 960)
    assert _fail(gate, 5)[-1] == 60  # in the same run
    kiosk.wait(86_400 + 60)
    kiosk.reboot()
    assert _fail(kiosk.start(), 5)[-1] == 60  # and after a restart


def test_a_new_pin_starts_afresh(pin_hash: str) -> None:
    kiosk = Kiosk(pin_hash)
    _fail(kiosk.start(), 5)
    kiosk.reboot()
    new_pin = hash_pin("97531")
    gate = kiosk.start(new_pin)
    assert gate.locked_for() == 0
    assert gate.try_pin("97531").ok


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: "", lambda r: "not json", lambda r: "[]", lambda r: "{}", lambda r: "\x00" * 100,
        lambda r: {**r, "failures": "x"}, lambda r: {**r, "failures": 1e999}, lambda r: {**r, "failures": -7},
        lambda r: {**r, "lockouts": 99, "until": 9e99, "until_monotonic": 9e99},
        lambda r: {**r, "until": float("nan"), "boot": "another"}, lambda r: {**r, "until_monotonic": float("nan")},
        lambda r: {**r, "saved": "yesterday"}, lambda r: {**r, "boot": ["a"]}, lambda r: {k: v for k, v in r.items() if k != "boot"},
        lambda r: {**r, "last_failure": -1e300, "saved": 1e300},
    ],
)  # fmt: skip
def test_a_damaged_record_never_locks_staff_out_for_good(pin_hash: str, damage) -> None:  # type: ignore[no-untyped-def]
    kiosk = Kiosk(pin_hash)
    gate = kiosk.start()
    _fail(gate, 5)
    kiosk.wait(gate.locked_for())
    _fail(gate, 3)
    damaged = damage(json.loads(kiosk.memory.value or ""))
    kiosk.memory.value = damaged if isinstance(damaged, str) else json.dumps(damaged)
    gate = kiosk.start()  # nothing raised
    assert gate.locked_for() <= 60 * 2**6  # at most the longest lock
    kiosk.wait(gate.locked_for())
    assert gate.try_pin(PIN).ok


def test_the_front_desk_keeps_the_count_in_its_store(tmp_path, pin_hash: str) -> None:
    from kiosk.checkin import FrontDesk
    from kiosk.config import Config
    from kiosk.store import Store

    config = Config(campus_name="Roosevelt Middle", pin_hash=pin_hash, data_dir=tmp_path)
    store = Store(config.database_path)
    desk = FrontDesk(config, store)
    assert [desk.try_pin("0000").ok for _ in range(4)] == [False] * 4
    store.close()

    store = Store(config.database_path)
    desk = FrontDesk(config, store)
    assert desk.try_pin("0000").locked_seconds == 60
    assert desk.try_pin(PIN).ok is False
    store.close()
