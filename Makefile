# dropbolt front door. `make run` and `make test` work on a fresh Debian machine as root.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libinotifytools0-dev libsqlite3-dev libsecp256k1-dev inotify-tools tzdata systemd
BENCH_APT_PACKAGES := inotify-tools findutils hyperfine coreutils time python3 python3-venv curl jq sqlite3
# Only for `make test`: the status page is checked in a real headless browser, /metrics with Prometheus' parser,
# and the LND fake's self-signed certificate is made with openssl.
TEST_APT_PACKAGES := chromium python3-prometheus-client openssl
CONFIG ?= dropbolt.yaml

.PHONY: run test test-deps install build release deps bench-deps bench chaos chaos-quick clean lint fuzz fuzz-build lnbits nwc nwc-selftest

## deps: install the system packages the build and tests need (only what is missing).
deps:
	@tools/apt-install.sh $(APT_PACKAGES)
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH (Swift 6.2 or newer is needed)"; exit 1; }

## test-deps: what only the tests need (only what is missing).
test-deps:
	@tools/apt-install.sh $(TEST_APT_PACKAGES)

## bench-deps: the tools the benchmarks use as baselines and drivers (only what is missing), and the venv with
## l402kit for the paid-path baseline (.build-bench/venv).
bench-deps:
	@tools/apt-install.sh $(BENCH_APT_PACKAGES)
	@tools/bench-venv.sh

build: deps
	$(SWIFT) build

## release: the daemon and dropbolt-fakes (LNbits + fake provider, for rows d and e of `make bench`).
## Not --static-swift-stdlib: measured, the static binary keeps ~1 MB more resident (its code is faulted in
## 64 KB chunks that mix ours with Foundation's). The daemon links with lld and DT_RELR in release (Package.swift).
release: deps
	$(SWIFT) build -c release --product dropbolt
	$(SWIFT) build -c release --product dropbolt-fakes

## install: the release binary, shell completions (bash, zsh, fish) and the man page, all generated from the
## binary's own command tree. PREFIX=/usr/local and DESTDIR (staging) as usual; deploy/install.sh sets up the service.
PREFIX ?= /usr/local
install: release
	install -D -m 0755 .build/release/dropbolt $(DESTDIR)$(PREFIX)/bin/dropbolt
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/share/man/man1
	.build/release/dropbolt --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dropbolt
	.build/release/dropbolt --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_dropbolt
	.build/release/dropbolt --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/dropbolt.fish
	python3 tools/manpage.py .build/release/dropbolt > $(DESTDIR)$(PREFIX)/share/man/man1/dropbolt.1

## run: build and run the daemon on the example config (quote-only: no wallet, nothing is paid).
run: build
	mkdir -p inbox/products inbox/captions
	$(SWIFT) run dropbolt run --config $(CONFIG)

## test: every test. --no-parallel: libinotifytools is process-global, one watcher at a time. Then the short chaos
## run (a separate step, so a Swift test failure is reported first).
test: deps test-deps lnbits nwc
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel
	$(MAKE) nwc-selftest
	$(MAKE) chaos-quick

## chaos: 200 images, 4 rules, 25 SIGKILLs, provider 500s, wallet timeouts; prints the invariant table
## (see chaos/README.md). CHAOS_ARGS passes flags, e.g. `make chaos CHAOS_ARGS="--seed 42"`.
chaos: build lnbits
	python3 chaos/chaos.py $(CHAOS_ARGS)

## chaos-quick: the short variant `make test` runs (40 images, 2 rules, 5 kills, about 3 minutes).
chaos-quick: build lnbits
	python3 chaos/chaos.py --quick $(CHAOS_ARGS)

## lnbits: the real LNbits wallet (PyPI, FakeWallet funding) the integration tests pay through.
lnbits:
	tools/lnbits/install.sh

## nwc: a real Nostr relay (PyPI nostr-relay) and nostr-sdk for the Nostr Wallet Connect tests (tools/nwc/).
nwc:
	tools/nwc/install.sh

## nwc-selftest: the NWC harness against a real LNbits, checked with nostr-sdk's client (about 25 s).
nwc-selftest: lnbits nwc
	python3 tools/nwc/selftest.py

## bench: whole-process measurements with baselines from the same run (see bench/README.md); the report goes to
## bench/results/. BENCH_ARGS passes flags, e.g. `make bench BENCH_ARGS="--only paid --quick"`.
bench: deps bench-deps release lnbits
	SWIFT=$(SWIFT) bench/run.sh $(BENCH_ARGS)

## fuzz: build the libFuzzer targets in Fuzz/ and run each for FUZZ_SECONDS (see Fuzz/README.md); exits non-zero
## on any crash, timeout or OOM and leaves the input in Fuzz/artifacts/<target>/. FUZZ_TARGETS picks some.
## Niced: the machines have 2 cores. `-sanitize=address` too: it finds what Swift's own checks cannot in C and
## unsafe-pointer code.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= bolt11 l402 config provider
FUZZ_NICE ?= nice -n 15
FUZZ_SANITIZERS ?= fuzzer,address
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_NICE="$(FUZZ_NICE)" Fuzz/run.sh $(FUZZ_TARGETS)

fuzz-build: deps
	$(FUZZ_NICE) $(SWIFT) build -c release --package-path Fuzz --scratch-path Fuzz/.build \
	  -Xswiftc -sanitize=$(FUZZ_SANITIZERS)

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

clean:
	rm -rf .build
