# passbridge — build, test, demo, bench. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ROOT      := $(CURDIR)
TMP       := $(ROOT)/.tmp
NODE_BIN  := $(ROOT)/node_modules/.bin
# The npm wasm-opt (binaryen 132) must come first: Debian's breaks the output.
export PATH := $(NODE_BIN):$(HOME)/.cargo/bin:$(PATH)
# Keep tool state inside the tree (toolchain.md).
export WASM_PACK_CACHE := $(TMP)/wasm-pack-cache
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false

DEV_HOME := $(TMP)/wrangler-home
# wrangler, miniflare and workerd keep their state inside the tree (toolchain.md).
WRANGLER_ENV = HOME=$(DEV_HOME) XDG_CONFIG_HOME=$(DEV_HOME)/.config TMPDIR=$(TMP)

RUST_SRC := $(shell find src -name '*.rs') Cargo.toml Cargo.lock
WASM     := pkg/passbridge_bg.wasm
DIST     := dist/klaviyo-code-action.mjs
# The features rustc enables by default for wasm32-unknown-unknown.
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-reference-types --enable-multivalue --enable-mutable-globals

.PHONY: setup build test demo bench dev clean lint test-rust test-types test-wasm test-node test-worker

setup:
	@bash .ci/setup

build: setup $(DIST)

$(WASM) pkg/passbridge.js &: $(RUST_SRC)
	@mkdir -p $(TMP)
	wasm-pack build --target web --release --mode no-install --out-dir pkg --out-name passbridge --no-pack
	@cp $(WASM) $(TMP)/passbridge_bg.unopt.wasm
	wasm-opt -Oz $(WASM_OPT_FEATURES) --strip-debug --strip-producers $(TMP)/passbridge_bg.unopt.wasm -o $(WASM)
	@echo "wasm: $$(stat -c %s $(TMP)/passbridge_bg.unopt.wasm) bytes before wasm-opt, $$(stat -c %s $(WASM)) after"

pkg/passbridge_inline.js: $(WASM) js/build/inline-wasm.mjs
	node js/build/inline-wasm.mjs $(WASM) $@

$(DIST): pkg/passbridge.js pkg/passbridge_inline.js js/klaviyo.mjs js/door.mjs js/build/banner.txt
	@mkdir -p dist
	esbuild js/klaviyo.mjs --bundle --format=esm --platform=neutral --minify --legal-comments=none \
	  --banner:js="$$(cat js/build/banner.txt)" --outfile=$@ --log-level=warning
	@echo "$(DIST): $$(stat -c %s $@) bytes, $$(gzip -9c $@ | wc -c) gzipped"

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings

test-rust: setup
	cargo test --quiet

test-wasm: build
	bash tests/run-wasm-tests.sh

test-node: build
	node --test --test-reporter=spec tests/js/

# Every Worker suite runs on a local D1 migrated from migrations/ (tests/worker/helpers.mjs
# applies them to each Miniflare database; ledger-restart.test.mjs runs
# `wrangler d1 migrations apply passbridge-ledger --local` itself).
test-worker: build
	@mkdir -p $(DEV_HOME)
	$(WRANGLER_ENV) node --test --test-concurrency=1 --test-reporter=spec tests/worker/

test-types: setup
	tsc -p tests/types/tsconfig.json

test: lint test-rust test-types test-wasm test-node test-worker

demo: build
	node js/demo.mjs

bench: build
	node bench/code-action.mjs
	@mkdir -p $(DEV_HOME)
	$(WRANGLER_ENV) node bench/worker.mjs

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
	echo
	@# The local ledger (.wrangler/state): create or update its table first.
	$(WRANGLER_ENV) CI=1 wrangler d1 migrations apply passbridge-ledger --local --config worker.toml --env dev
	$(WRANGLER_ENV) wrangler dev --local --config worker.toml --env dev --ip 127.0.0.1 --port $(DEV_PORT) \
	  --inspector-port $$(( $(DEV_PORT) + 1000 )) --show-interactive-dev-session=false
