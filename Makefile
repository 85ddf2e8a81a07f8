# Two commands do all the set-up: `make demo` and `make test` (`make test-fast` skips the slow tests).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: setup demo test test-fast bench train clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev,train,bench,voice,egemaps,asr,face,parquet,landmarks,service,ray]'
	$(PIP) install -q --no-deps mediapipe==0.10.21  # the landmarks extra (see pyproject.toml)
	touch $@

demo: setup
	$(VENV)/bin/affectkit analyze examples/interview.srt
	$(VENV)/bin/affectkit analyze examples/talk.flac
	$(VENV)/bin/affectkit analyze examples/talking_head.mp4
	$(VENV)/bin/affectkit analyze examples/talking_head.mp4 --format html -o demo-report.html --force
	echo "I can't believe it, we actually won!" | $(VENV)/bin/affectkit predict text -

# two test processes (pytest-xdist): the suite is mostly one-threaded (one BLAS thread a test)
TEST_WORKERS ?= 2

test: setup
	$(PY) -m pytest -q -n $(TEST_WORKERS)

test-fast: setup
	$(PY) -m pytest -q -m "not slow" -n $(TEST_WORKERS)

bench: setup
	$(PY) bench/text_benchmarks.py
	$(PY) bench/text_throughput.py
	$(PY) bench/emodb_benchmark.py

train: setup
	$(PY) bench/train_text.py
	$(PY) bench/train_carer.py
	$(PY) bench/train_voice.py
	$(PY) bench/calibrate.py  # the heads changed: refit their temperatures (fusion settings)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
