# Welcome Kiosk. `make demo` and `make test` install everything they need first:
# the Debian packages below (with sudo when not root) and a Python environment in .venv.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Mesa GL for a window with or without a display (offscreen in tests), touch (mtdev),
# text shaping and bidi for Pillow (raqm, fribidi), the Noto fonts for every script; for the
# district server's tests, PostgreSQL and Chromium (the front-office page in a real browser); zbar for
# the pyzbar QR decoder.
APT_PACKAGES := python3-venv libgl1-mesa-dri libegl1 libgbm1 libmtdev1 libfribidi0 libraqm0 \
	fonts-noto-core fonts-noto-ui-core fonts-noto-cjk postgresql chromium openssl libzbar0
PYBABEL := $(VENV)/bin/pybabel
EXTRACT := $(PYBABEL) extract -F babel.cfg -k tr -k N_ -k ngettext:1,2 --no-location --sort-output \
	--project="Welcome Kiosk" --copyright-holder="Welcome Kiosk developers"

.PHONY: demo test system-deps venv screenshots bench bench-district bench-qr bench-alerts i18n i18n-init clean

# The district server with a demo campus on http://127.0.0.1:$(PORT), its alerts shown on its own
# "Alerts received" page, and the kiosk enrolled to it. Port 8080 taken? make demo PORT=8081
PORT ?= 8080
demo: venv
	@$(VENV)/bin/district-server demo --data-dir .demo --port $(PORT)

test: venv
	SDL_VIDEODRIVER=offscreen $(PY) -m pytest

system-deps:
	@bash tools/system-deps.sh $(APT_PACKAGES)

# After the Python packages, the fonts made from the Noto fonts (Arabic and Hebrew with Latin, the
# Chinese and Korean faces): built once (seconds), then only checked, so this runs every time.
venv: system-deps $(VENV)/.installed
	$(VENV)/bin/kiosk fonts --quiet

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

screenshots: venv
	SDL_VIDEODRIVER=$${SDL_VIDEODRIVER:-offscreen} $(VENV)/bin/kiosk screenshots screenshots

bench: venv
	SDL_VIDEODRIVER=offscreen $(PY) benchmarks/bench_kiosk.py

# The district server and sync: backlog drain, ingest, 2,000 kiosks' heartbeats (SQLite and PostgreSQL).
bench-district: venv
	$(PY) benchmarks/bench_district.py

# The QR decoders (the kiosk's pipeline, raw zxing-cpp, raw pyzbar) on generated camera frames of passes.
bench-qr: venv
	$(PY) benchmarks/bench_qr.py

# Check-in to alert received by a loopback webhook, through the real kiosk, server and Apprise.
bench-alerts: venv
	$(PY) benchmarks/bench_alerts.py

# After changing translatable text: refresh the template and every catalog.
i18n: venv
	$(EXTRACT) -o i18n/kiosk.pot .
	$(PY) tools/update_catalogs.py

# A new language: make i18n-init CODE=fr (a BCP 47 code: pt-BR), then add its line to i18n/languages.toml.
i18n-init: venv
	$(PY) tools/update_catalogs.py --init $(CODE)

clean:
	rm -rf $(VENV) build dist *.egg-info screenshots .demo
