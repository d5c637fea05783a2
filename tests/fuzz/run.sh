#!/usr/bin/env bash
# `make fuzz`: coverage-guided fuzzing of every harness in fuzz/ with
# libFuzzer (clang), FUZZ_SECONDS each (default 60). New interesting
# inputs go to build/fuzz/NAME/; crashes to build/fuzz/crash-NAME-*.
# Copy inputs worth keeping into fuzz/corpus/NAME/ so `make test` replays them.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh --fuzz
seconds=${FUZZ_SECONDS:-60}
PKGS="libmicrohttpd sqlite3 jansson libsodium libcmark icu-uc"
mkdir -p build/fuzz
lib_src=$(ls src/*/*.c)
for harness in fuzz/*_fuzz.c; do
	name=$(basename "$harness" _fuzz.c)
	bin=build/fuzz/$name-fuzzer
	echo "== $name: building"
	clang -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
		$(pkg-config --cflags $PKGS) -o "$bin" "$harness" $lib_src \
		$(pkg-config --libs $PKGS) -lm -lpthread
	mkdir -p "build/fuzz/$name"
	echo "== $name: fuzzing for ${seconds}s"
	"$bin" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="build/fuzz/crash-$name-" \
		"build/fuzz/$name" "fuzz/corpus/$name"
done
