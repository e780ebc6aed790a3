# Invoice Desk. `make run` starts the app (on its demo when nothing is configured);
# `make test` runs every test. Both install what is missing first.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: run test setup setup-test ui lint check-generated test-rust test-ui bench bundle startup screenshot clean

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

ui:
	cd ui && npm run build

run: setup ui
	$(CARGO) run -p invoice-desk

lint:
	@echo "==> lint starts $$(date +%T)"
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@echo "==> supply chain (cargo deny) $$(date +%T)"
	.tools/bin/cargo-deny --offline check bans licenses sources

# The UI's IPC types and the connectors' capabilities in ui/src/lib/generated/ come from the
# Rust types; this fails when the committed files differ from what the Rust code generates.
# Regenerate them with INVOICE_DESK_WRITE_GENERATED=1 cargo test -p invoice-desk --lib generated
check-generated:
	@echo "==> generated UI types and capabilities $$(date +%T)"
	$(CARGO) test -p invoice-desk --lib generated

test-ui:
	@echo "==> UI checks start $$(date +%T)"
	cd ui && npm run check && npm test

test-rust:
	@echo "==> build starts $$(date +%T)"
	$(CARGO) build -p invoice-desk -p invoice-desk-sandbox
	@echo "==> tests start $$(date +%T)"
	scripts/with-session.sh $(CARGO) test --workspace -- --show-output
	@echo "==> tests end $$(date +%T)"

test: setup-test ui check-generated test-ui lint test-rust

# Every speed and memory figure next to its target: the type-ahead and the cache fill in process
# (criterion, 100,000 and 1,000,000 rows), then on one release build in the real window the
# keystroke to painted options and the app's memory with 10,000 and 1,000,000 relations cached,
# and start-up and memory next to a bare Tauri app.
bench: setup-test ui
	$(CARGO) bench -p invoice-desk-core
	bench/typeahead-window.sh
	bench/startup.sh -B

# Installers for Linux: the .deb with the Tauri CLI from its npm package (a prebuilt binary, no
# compile) and the AppImage from the same files (scripts/appimage.sh). The Windows (.msi) and
# macOS (.dmg) settings are in tauri.conf.json for a build on those systems.
bundle:
	scripts/setup.sh bundle
	scripts/bundle.sh

# Start-up time and memory next to a bare Tauri app, side by side (bench/startup.sh).
startup: setup-test
	bench/startup.sh

screenshot: setup-test ui
	$(CARGO) build -p invoice-desk -p invoice-desk-sandbox
	scripts/with-session.sh scripts/screenshot.sh docs/screenshot.png

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules .tools
