# tokenzone build. `make` builds build/tokenzone; see README.md for the test targets.
# Every library comes from Debian 12 through pkg-config (scripts/install-deps.sh installs them).

CC       ?= cc
BUILD    ?= build
PKGS_CORE = jansson libcrypto
PKGS_ALL  = $(PKGS_CORE) sqlite3 libmaxminddb libmicrohttpd libargon2 libcurl
# OPENSSL_API_COMPAT keeps the low-level SHA-256 interface (pre-keyed HMAC states on the hot path)
# available without deprecation warnings.
CPPFLAGS += -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x10100000L -Isrc
# OPT and EXTRA_CFLAGS / EXTRA_LDFLAGS are the knobs (e.g. the sanitizer build); CFLAGS itself is
# assembled here so that a command-line override cannot drop the warnings or the library flags.
OPT      ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
override CFLAGS := $(OPT) -std=c11 $(WARN) -fno-strict-aliasing -fstack-protector-strong \
            $(shell pkg-config --cflags $(PKGS_ALL)) $(EXTRA_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS_ALL)) -lpthread
override LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

CORE_SRC    := $(sort $(wildcard src/core/*.c))
STORE_SRC   := $(sort $(wildcard src/store/*.c))
SERVICE_SRC := $(sort $(wildcard src/service/*.c))
HTTP_SRC    := $(sort $(wildcard src/http/*.c))
CLI_SRC     := $(sort $(wildcard src/cli/*.c))
LIB_SRC     := $(CORE_SRC) $(STORE_SRC) $(SERVICE_SRC) $(HTTP_SRC) $(filter-out src/cli/main.c,$(CLI_SRC))
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 20

.PHONY: all deps check unit api check-sanitize fuzz fuzz-smoke fuzz-long bench clean run test
all: $(BUILD)/tokenzone

deps:
	scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

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

unit: $(UNIT_BIN)
	scripts/run-unit-tests.sh $(UNIT_BIN)

api: $(BUILD)/tokenzone
	TOKENZONE_BIN=$(abspath $(BUILD)/tokenzone) /usr/bin/python3 tests/api/run.py

check: all $(UNIT_BIN)
	scripts/run-checks.sh $(BUILD)

check-sanitize:
	$(MAKE) BUILD=build-san OPT="-O1 -g" EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" all $(patsubst $(BUILD)/%,build-san/%,$(UNIT_BIN))
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
$(BUILD)/fuzz/fuzz_request: tests/fuzz/fuzz_request.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS_ALL)) $< $(LIB_SRC) $(LDLIBS) -o $@

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

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
