# imago: `make run` to try it, `make test` to test everything.
# Builds go to build/release (optimised) and build/asan (address and
# undefined-behaviour sanitizers, used by the unit and HTTP tests).

PKGS     := libmicrohttpd sqlite3 jansson libsodium libcmark icu-uc liboath libcurl libqrencode libical
CC       ?= cc
WARN     := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter -Wformat=2
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -g -Isrc $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

RELEASE_CFLAGS := -O2 -fno-omit-frame-pointer
ASAN_CFLAGS    := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/*_fuzz.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%_fuzz.c=build/asan/fuzz/%-replay)
HDRS     := $(wildcard src/*.h src/*/*.h tests/unit/*.h)

DB       ?= var/imago.db
LISTEN   ?= 127.0.0.1:8080
DEMO_N   ?= 3000

.PHONY: all setup run test bench fuzz clean check-src print-ldlibs

all: build/release/imago

setup:
	@scripts/setup.sh

build/release/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(RELEASE_CFLAGS) -c $< -o $@

build/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ASAN_CFLAGS) -c $< -o $@

build/release/imago: $(SRC:%.c=build/release/%.o)
	$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/imago: $(SRC:%.c=build/asan/%.o)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/unit-tests: $(LIB_SRC:%.c=build/asan/%.o) $(UNIT_SRC:%.c=build/asan/%.o)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

# Each fuzz harness, linked with a driver that replays files (gcc, no
# libFuzzer needed), so `make test` can run the committed corpora.
build/asan/fuzz/%-replay: build/asan/fuzz/%_fuzz.o build/asan/fuzz/replay_main.o $(LIB_SRC:%.c=build/asan/%.o)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

# The database, gazetteer and demo data are made once (the stamp is
# written only when every step succeeded); later runs rebuild and serve.
$(DB).ready: | build/release/imago
	build/release/imago --db $(DB) migrate
	build/release/imago --db $(DB) gazetteer import
	build/release/imago --db $(DB) demo --therapists $(DEMO_N) --seed 1 --accounts $(dir $(DB))demo-accounts.txt
	touch $@

run: setup build/release/imago $(DB).ready
	build/release/imago --db $(DB) serve --listen $(LISTEN)

test: setup
	@$(MAKE) --no-print-directory build/release/imago build/asan/imago build/asan/unit-tests $(FUZZ_REPLAY)
	@tests/run.sh

bench: setup
	@scripts/setup.sh --bench
	@$(MAKE) --no-print-directory build/release/imago
	@bench/run.sh

fuzz:
	@tests/fuzz/run.sh

check-src:
	@scripts/check-src.sh

# The libraries a program linked with imago's objects needs (bench/run.sh).
print-ldlibs:
	@echo $(LDLIBS)

clean:
	rm -rf build
