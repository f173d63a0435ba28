# passbridge — build, test, demo, bench. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ROOT      := $(CURDIR)
TMP       := $(ROOT)/.tmp
NODE_BIN  := $(ROOT)/node_modules/.bin
# The npm wasm-opt (binaryen 132) must come first: Debian's breaks the output.
export PATH := $(NODE_BIN):$(HOME)/.cargo/bin:$(PATH)
# Keep tool state inside the tree (a fresh machine and CI start from nothing).
export WASM_PACK_CACHE := $(TMP)/wasm-pack-cache
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

DEV_HOME := $(TMP)/wrangler-home
# wrangler, miniflare and workerd keep their state inside the tree, not in $HOME.
WRANGLER_ENV = HOME=$(DEV_HOME) XDG_CONFIG_HOME=$(DEV_HOME)/.config TMPDIR=$(TMP)

RUST_SRC := $(shell find src -name '*.rs') Cargo.toml Cargo.lock js/boundary.js js/build/glue-factory.mjs
WASM     := pkg/passbridge_bg.wasm
DIST     := dist/klaviyo-code-action.mjs
PLAYGROUND := dist/playground.html
REVIEW_PAGE := dist/review.html
# The features rustc enables by default for wasm32-unknown-unknown.
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals

.PHONY: setup build test demo bench dev clean screenshots lint test-rust test-types test-wasm test-node test-worker test-django django-own fuzz test-playground test-package test-sync test-review

setup:
	@bash .ci/setup

build: setup pkg/passbridge_inline.js $(DIST) $(PLAYGROUND) $(REVIEW_PAGE)

# $(call wasm_build,OUT_DIR,TARGET_DIR,CARGO_FLAGS,NAME[,factory]): cargo, then the
# pinned wasm-bindgen CLI directly, for the doors' builds (`factory`) its glue
# rewritten into a factory (newGlue: a door starts a fresh instance after a trap
# while the calls in flight finish on the old one, js/instances.mjs), then the
# npm wasm-opt. Each feature set has its own target dir, so the builds do not
# undo each other.
define wasm_build
	@mkdir -p $(1) $(TMP)
	cargo build --lib --release --target wasm32-unknown-unknown --quiet --target-dir $(2) $(3)
	wasm-bindgen --target web --out-dir $(1) --out-name passbridge \
	  $(2)/wasm32-unknown-unknown/release/passbridge.wasm
	$(if $(5),node js/build/glue-factory.mjs $(1)/passbridge.js)
	@cp $(1)/passbridge_bg.wasm $(TMP)/$(4)_bg.unopt.wasm
	wasm-opt -Oz $(WASM_OPT_FEATURES) --strip-debug --strip-producers $(TMP)/$(4)_bg.unopt.wasm -o $(1)/passbridge_bg.wasm
	@echo "$(4) wasm: $$(stat -c %s $(TMP)/$(4)_bg.unopt.wasm) bytes before wasm-opt, $$(stat -c %s $(1)/passbridge_bg.wasm) after"
endef

# The package's wasm (every class). A fresh pkg/: no stale snippet directory or
# ignore file can reach the npm tarball.
$(WASM) pkg/passbridge.js &: $(RUST_SRC)
	@rm -rf pkg
	$(call wasm_build,pkg,target,,passbridge,factory)

# Any build's wasm as one deflated base64 string (the doors that inline it).
%/passbridge_inline.js: %/passbridge_bg.wasm js/build/inline-wasm.mjs
	node js/build/inline-wasm.mjs $< $@

# The Code action's single file carries a wasm built without the Worker
# (`--no-default-features`: no WorkerApp, no ledger driver), ~60 KB smaller.
CA_PKG := $(TMP)/code-action
$(CA_PKG)/passbridge.js $(CA_PKG)/passbridge_bg.wasm &: $(RUST_SRC) | $(WASM)
	$(call wasm_build,$(CA_PKG),target/code-action,--no-default-features,code-action,factory)

$(DIST): $(CA_PKG)/passbridge.js $(CA_PKG)/passbridge_inline.js js/klaviyo.mjs js/door.mjs js/instances.mjs js/inflate.mjs js/build/banner.txt js/build/bundle-code-action.mjs
	@mkdir -p dist
	node js/build/bundle-code-action.mjs js/klaviyo.mjs $(CA_PKG) $@ js/build/banner.txt
	@echo "$(DIST): $$(stat -c %s $@) bytes, $$(gzip -9c $@ | wc -c) gzipped"

# The mapping playground: the same crate compiled with its page exports
# (feature `playground`, so the doors' wasm does not carry them), then ONE
# self-contained page (wasm, script, styles inlined), and the same bytes as a
# module for the Worker's GET /.
PG_PKG := pkg/playground
$(PG_PKG)/passbridge.js $(PG_PKG)/passbridge_bg.wasm &: $(RUST_SRC) | $(WASM)
	$(call wasm_build,$(PG_PKG),target/playground,--no-default-features --features playground,playground)

$(PLAYGROUND) dist/playground-page.mjs &: $(PG_PKG)/passbridge.js $(PG_PKG)/passbridge_inline.js js/playground/main.mjs js/inflate.mjs js/playground/index.html js/playground/style.css js/build/playground.mjs
	@mkdir -p dist $(TMP)
	esbuild js/playground/main.mjs --bundle --format=esm --platform=browser --minify --legal-comments=none \
	  --outfile=$(TMP)/playground.js --log-level=warning
	node js/build/playground.mjs $(TMP)/playground.js $(PLAYGROUND) dist/playground-page.mjs

# The deliveries page (GET /review): no wasm, only the review API's JSON; one
# self-contained page, and its two variants (review API on / off) as a module
# for the Worker entry.
$(REVIEW_PAGE) dist/review-page.mjs &: js/review/main.mjs js/review/index.html js/review/style.css js/build/review.mjs
	@mkdir -p dist $(TMP)
	esbuild js/review/main.mjs --bundle --format=esm --platform=browser --minify --legal-comments=none \
	  --outfile=$(TMP)/review.js --log-level=warning
	node js/build/review.mjs $(TMP)/review.js $(REVIEW_PAGE) dist/review-page.mjs

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --features playground -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --no-default-features -- -D warnings

test-rust: setup
	cargo test --quiet

test-wasm: build
	bash tests/run-wasm-tests.sh

test-node: build
	node --test --test-reporter=spec tests/js/

# `npx passbridge sync` as a child process against fake Klaviyo and providers
# on 127.0.0.1 (tests/sync/): pages, pacing, SIGKILL + --resume, report.
test-sync: build
	node --test --test-concurrency=1 --test-reporter=spec tests/sync/

# Every Worker suite runs on a local D1 migrated from migrations/ (tests/worker/helpers.mjs
# applies them to each Miniflare database; ledger-restart.test.mjs runs
# `wrangler d1 migrations apply passbridge-ledger --local` itself).
test-worker: build
	@mkdir -p $(DEV_HOME)
	$(WRANGLER_ENV) node --test --test-concurrency=1 --test-reporter=spec tests/worker/

test-types: setup
	tsc -p tests/types/tsconfig.json

# Differential run against Django 5.2 (installed by .ci/setup into .tmp/venv):
# the fixed table plus 2,000 random template/profile pairs.
DJANGO_PY := $(TMP)/venv/bin/python
test-django: setup
	$(DJANGO_PY) tests/django/gen.py --count 2000 --seed 1 --out $(TMP)/django/cases.jsonl
	PASSBRIDGE_DJANGO_CASES=$(TMP)/django/cases.jsonl PASSBRIDGE_DJANGO_MIN=2000 \
	  cargo test --release --quiet --test template_django -- --nocapture

# Django's own template tests (tests/django_own.rs runs them in `cargo test`):
# re-extract tests/django/own_cases.json from the pinned sdist.
django-own: setup
	@mkdir -p $(TMP)/sdist
	$(DJANGO_PY) -m pip download --quiet --no-deps --no-binary :all: Django==5.2.8 -d $(TMP)/sdist
	$(DJANGO_PY) tests/django/own_tests.py $(TMP)/sdist/django-5.2.8.tar.gz tests/django/own_cases.json

# The long run (BENCHMARKS.md): FUZZ_PAIRS Django pairs in chunks, then
# FUZZ_INPUTS random templates through the parser and renderer (no panic).
FUZZ_PAIRS  ?= 1000000
FUZZ_CHUNK  ?= 100000
FUZZ_INPUTS ?= 10000000
fuzz: setup
	@start=0; while [ $$start -lt $(FUZZ_PAIRS) ]; do \
	  n=$$(( $(FUZZ_PAIRS) - start < $(FUZZ_CHUNK) ? $(FUZZ_PAIRS) - start : $(FUZZ_CHUNK) )); \
	  $(DJANGO_PY) tests/django/gen.py --count $$n --seed 7 --start $$start --jobs 2 --out $(TMP)/django/fuzz.jsonl; \
	  PASSBRIDGE_DJANGO_CASES=$(TMP)/django/fuzz.jsonl PASSBRIDGE_DJANGO_MIN=$$n \
	    cargo test --release --quiet --test template_django -- --nocapture; \
	  start=$$(( start + n )); done; rm -f $(TMP)/django/fuzz.jsonl
	PASSBRIDGE_FUZZ_INPUTS=$(FUZZ_INPUTS) cargo test --release --quiet --test template_fuzz -- --nocapture


# Real headless Chromium over WebDriver (chromedriver); fails when fewer tests ran than exist.
test-playground: build
	@mkdir -p $(TMP)/playground
	bash tests/playground/run.sh

# The deliveries page (GET /review) in headless Chromium over WebDriver, against
# `wrangler dev` with a local D1 filled by real deliveries to the fake providers.
test-review: build
	@mkdir -p $(TMP)/review $(DEV_HOME)
	$(WRANGLER_ENV) bash tests/review/run.sh

# The npm tarball, installed offline into a fresh project outside the tree:
# Node, browser (Chromium), workerd (wrangler) and TypeScript (tests/package/run.mjs).
test-package: build
	timeout 900 node tests/package/run.mjs

# The documentation's images (docs/*.png) are written only here, never by `make test`:
# a suite saves a picture with tests/support/screenshots.mjs, which writes into docs/
# only when PASSBRIDGE_SCREENSHOTS=1 (else into .tmp/screenshots/). A suite that takes
# one adds its target to SCREENSHOT_SUITES.
SCREENSHOT_SUITES := test-playground test-review
screenshots:
	PASSBRIDGE_SCREENSHOTS=1 $(MAKE) --no-print-directory $(SCREENSHOT_SUITES)

test: lint test-rust test-types test-django test-wasm test-node test-sync test-worker test-playground test-review test-package

demo: build
	node js/demo.mjs

bench: build
	node bench/code-action.mjs
	node bench/template-work.mjs
	node bench/inflate.mjs
	node --expose-gc bench/instances.mjs
	@mkdir -p $(DEV_HOME)
	$(WRANGLER_ENV) node bench/worker.mjs
	node bench/sync.mjs
	$(WRANGLER_ENV) node bench/d1-cost.mjs

clean:
	rm -rf pkg dist .tmp target

DEV_PORT ?= 8787

dev: build
	@mkdir -p $(DEV_HOME)
	@[ -f .dev.vars ] || { cp .dev.vars.example .dev.vars; echo "created .dev.vars from .dev.vars.example"; }
	@secret=$$(grep '^PASSBRIDGE_WEBHOOK_SECRET=' .dev.vars | cut -d= -f2-); \
	echo; echo "Dry run on http://127.0.0.1:$(DEV_PORT) (nothing is sent upstream). Try:"; echo; \
	echo "  curl -s -X POST http://127.0.0.1:$(DEV_PORT)/passninja/update \\"; \
	echo "    -H 'Authorization: Bearer $$secret' -H 'Content-Type: application/json' \\"; \
	echo "    -d '{\"person\":{\"external_id\":\"5d2b3f8a9c0e1f2a3b\",\"properties\":{\"loyalty_points\":1500,\"loyalty_tier\":\"Gold\"}}}'"; \
	echo; echo "A create and its write-back to Klaviyo (docs/write-back.md; needs KLAVIYO_PRIVATE_KEY in .dev.vars):"; echo; \
	echo "  curl -s -X POST http://127.0.0.1:$(DEV_PORT)/passninja/create \\"; \
	echo "    -H 'Authorization: Bearer $$secret' -H 'Content-Type: application/json' \\"; \
	echo "    -d '{\"person\":{\"email\":\"ada@example.com\",\"properties\":{\"loyalty_points\":1500,\"loyalty_tier\":\"Gold\"}}}'"; \
	echo; echo "Playground: http://127.0.0.1:$(DEV_PORT)/   Deliveries page: http://127.0.0.1:$(DEV_PORT)/review (PASSBRIDGE_ADMIN_SECRET in .dev.vars)"; \
	echo
	@# The local ledger (.wrangler/state): create or update its table first.
	$(WRANGLER_ENV) CI=1 wrangler d1 migrations apply passbridge-ledger --local --config worker.toml --env dev
	$(WRANGLER_ENV) wrangler dev --local --config worker.toml --env dev --ip 127.0.0.1 --port $(DEV_PORT) \
	  --inspector-port $$(( $(DEV_PORT) + 1000 )) --show-interactive-dev-session=false
