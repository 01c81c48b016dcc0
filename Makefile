# tokenzone build. `make` builds build/tokenzone; see README.md for the test targets.
# Every library comes from Debian 12 through pkg-config (scripts/install-deps.sh installs them).

CC       ?= cc
BUILD    ?= build
PKGS_CORE = jansson libcrypto
PKGS_ALL  = $(PKGS_CORE) sqlite3 libmaxminddb libmicrohttpd libargon2 libcurl libpq
# OPENSSL_API_COMPAT keeps the low-level SHA-256 interface (pre-keyed HMAC states on the hot path)
# available without deprecation warnings.
CPPFLAGS += -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x10100000L -Isrc
# OPT and EXTRA_CFLAGS / EXTRA_LDFLAGS are the knobs (e.g. the sanitizer build); CFLAGS itself is
# assembled here so that a command-line override cannot drop the warnings or the library flags.
# A distribution's CFLAGS / CPPFLAGS / LDFLAGS (from the environment or the command line, e.g.
# `dpkg-buildflags`: fortify, stack protector, relro, now) are appended after the project's own,
# so they win where they differ. WERROR= (empty) builds without -Werror, as the Debian package
# does: a newer compiler's new warning must not break a distribution build.
OPT      ?= -O2 -g
WERROR   ?= -Werror
WARN      = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wformat=2
DIST_CFLAGS := $(CFLAGS)
override CFLAGS := $(OPT) -std=c11 $(WARN) -fno-strict-aliasing -fstack-protector-strong \
            $(shell pkg-config --cflags $(PKGS_ALL)) $(DIST_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS_ALL)) -lpthread
override LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

# Every pkg-config module must be there before anything is compiled (not a cryptic compiler error
# later); `make deps` / `make clean` work without them.
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
PKGS_MISSING := $(strip $(foreach p,$(PKGS_ALL),$(if $(shell pkg-config --exists $(p) && echo ok),,$(p))))
ifneq ($(PKGS_MISSING),)
$(error missing pkg-config modules: $(PKGS_MISSING) (run scripts/install-deps.sh))
endif
endif

# The version: `git describe` in a git checkout with a tag, else the VERSION file (plus the commit
# in a checkout without tags), else 0.0.0. `make VERSION=x` overrides it.
VERSION_FILE := $(strip $(shell cat VERSION 2>/dev/null))
VERSION ?= $(strip $(or $(patsubst v%,%,$(shell git describe --tags --dirty 2>/dev/null)),\
             $(if $(shell git rev-parse --short HEAD 2>/dev/null),$(or $(VERSION_FILE),0.0.0)+git$(shell git rev-parse --short HEAD 2>/dev/null)),\
             $(VERSION_FILE),0.0.0))

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CORE_SRC    := $(sort $(wildcard src/core/*.c))
STORE_SRC   := $(sort $(wildcard src/store/*.c))
SERVICE_SRC := $(sort $(wildcard src/service/*.c))
HTTP_SRC    := $(sort $(wildcard src/http/*.c))
CLI_SRC     := $(sort $(wildcard src/cli/*.c))
LIB_SRC     := $(CORE_SRC) $(STORE_SRC) $(SERVICE_SRC) $(HTTP_SRC) $(filter-out src/cli/main.c,$(CLI_SRC))
# The web page (src/web/) compiled in: one generated C file with every asset (docs/web.md).
WEB_FILES   := $(sort $(wildcard src/web/*))
WEB_GEN     := $(BUILD)/gen/web_assets.c
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/web_assets.o
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 20

.PHONY: all deps check unit api check-sanitize fuzz fuzz-smoke fuzz-long bench clean run test install deb version FORCE
all: $(BUILD)/tokenzone

deps:
	scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# version.o is rebuilt when the version changes (the stamp is rewritten only then).
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(BUILD)/src/cli/version.o: CPPFLAGS += -DTZ_VERSION='"$(VERSION)"'
$(BUILD)/src/cli/version.o: $(BUILD)/version.stamp

version:
	@echo '$(VERSION)'
$(WEB_GEN): scripts/gen-web-assets.sh src/web $(WEB_FILES)
	@mkdir -p $(dir $@)
	scripts/gen-web-assets.sh src/web $@

$(BUILD)/gen/web_assets.o: $(WEB_GEN)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libtokenzone.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tokenzone: $(BUILD)/src/cli/main.o $(BUILD)/libtokenzone.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Unit tests: one binary per tests/unit/test_*.c, linked against the whole library.
# test_macaroons_oracle.c also links Debian's libmacaroons (an independent implementation).
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libtokenzone.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/libtokenzone.a $(LDFLAGS) $(LDLIBS) \
	  $(if $(findstring macaroons,$*),$(shell pkg-config --libs libmacaroons)) -o $@

# The store contract tests once more on PostgreSQL (tests/unit/pg_contract.c, which includes
# test_store_ops.c); run by tests/api/test_store_contract_pg.py against a throwaway cluster.
$(BUILD)/tests/pg_contract: tests/unit/pg_contract.c tests/unit/test_store_ops.c $(wildcard tests/unit/*.h) $(BUILD)/libtokenzone.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $< $(BUILD)/libtokenzone.a $(LDFLAGS) $(LDLIBS) -o $@
check: $(BUILD)/tests/pg_contract

unit: $(UNIT_BIN)
	scripts/run-unit-tests.sh $(UNIT_BIN)

api: $(BUILD)/tokenzone
	TOKENZONE_BIN=$(abspath $(BUILD)/tokenzone) /usr/bin/python3 tests/api/run.py

check: all $(UNIT_BIN)
	scripts/run-checks.sh $(BUILD)

check-sanitize:
	$(MAKE) BUILD=build-san OPT="-O1 -g" EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" all $(patsubst $(BUILD)/%,build-san/%,$(UNIT_BIN)) build-san/tests/pg_contract
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/run-checks.sh build-san

# Fuzz targets: clang libFuzzer + ASan/UBSan over the core library sources.
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x10100000L -Isrc \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              $(shell pkg-config --cflags $(PKGS_CORE))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $< $(CORE_SRC) $(shell pkg-config --libs $(PKGS_CORE)) -o $@
# fuzz_request drives the whole request path (routes, service, SQLite store): every library source.
$(BUILD)/fuzz/fuzz_request: tests/fuzz/fuzz_request.c $(LIB_SRC) $(WEB_GEN)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS_ALL)) $< $(LIB_SRC) $(WEB_GEN) $(LDLIBS) -o $@

fuzz: $(FUZZ_BIN)

fuzz-smoke: $(FUZZ_BIN)
	scripts/fuzz-smoke.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# Long run, not in CI: each target until FUZZ_LONG_RUNS executions or FUZZ_LONG_SECONDS (see
# docs/testing.md), at nice 19.
fuzz-long: $(FUZZ_BIN)
	scripts/fuzz-long.sh $(FUZZ_BIN)

bench: all
	scripts/install-deps.sh --bench
	bench/run.sh

run:
	scripts/run-server.sh $(ARGS)

test:
	scripts/test-all.sh

# ---------------------------------------------------------------- installing
# make install [PREFIX=/usr/local] [DESTDIR=/staging]: binary, man pages, systemd unit, bash
# completion and the default configuration (/etc/default/tokenzone, never overwritten).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
MAN_PAGES  := $(sort $(wildcard man/*.1))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 $(BUILD)/tokenzone $(DESTDIR)$(BINDIR)/tokenzone
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	sed 's|/usr/local/bin/tokenzone|$(BINDIR)/tokenzone|g' dist/tokenzone.service > $(DESTDIR)$(UNITDIR)/tokenzone.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tokenzone.service
	install -m 0644 dist/tokenzone.bash-completion $(DESTDIR)$(BASHCOMPDIR)/tokenzone
	test -e $(DESTDIR)$(SYSCONFDIR)/default/tokenzone || \
	  install -m 0644 dist/tokenzone.default $(DESTDIR)$(SYSCONFDIR)/default/tokenzone

# make deb: the Debian package, built with dpkg-buildpackage in a copy of the tree under
# $(BUILD)/deb (the tree itself stays clean); the result is $(BUILD)/tokenzone_*.deb.
DEB_VERSION = $(subst -,+,$(VERSION))
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/tokenzone
	tar -c --exclude=./build --exclude=./build-san --exclude=./.git --exclude=./data --exclude='./*.deb' . | \
	  tar -x -C $(BUILD)/deb/tokenzone
	echo '$(VERSION)' > $(BUILD)/deb/tokenzone/VERSION
	sed -i '1s/([^)]*)/($(DEB_VERSION))/' $(BUILD)/deb/tokenzone/debian/changelog
	cd $(BUILD)/deb/tokenzone && dpkg-buildpackage -us -uc -b
	rm -f $(BUILD)/tokenzone_*.deb
	cp $(BUILD)/deb/tokenzone_*.deb $(BUILD)/
	@ls $(BUILD)/tokenzone_*.deb

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
