#!/usr/bin/env bash
# Builds each fuzz/*_fuzz.c harness with the replay driver (gcc, ASan and
# UBSan) and runs it over its committed corpus fuzz/corpus/NAME/.
# Prints "N passed, N failed": one per corpus file.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
PKGS="libmicrohttpd sqlite3 jansson libsodium libcmark icu-uc"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
lib_objs=$(ls build/asan/src/*/*.o)
pass=0
fail=0
for harness in fuzz/*_fuzz.c; do
	name=$(basename "$harness" _fuzz.c)
	bin=build/fuzz/$name-replay
	if ! cc $CFLAGS $(pkg-config --cflags $PKGS) -o "$bin" "$harness" fuzz/replay_main.c \
		$lib_objs $(pkg-config --libs $PKGS) -lm -lpthread; then
		echo "FAIL $name: does not build"
		fail=$((fail + 1))
		continue
	fi
	files=(fuzz/corpus/"$name"/*)
	[ -e "${files[0]}" ] || { echo "FAIL $name: empty corpus"; fail=$((fail + 1)); continue; }
	for f in "${files[@]}"; do
		if "$bin" "$f" >/dev/null 2>build/fuzz/$name.err; then
			pass=$((pass + 1))
		else
			echo "FAIL $name on $f:"; cat build/fuzz/$name.err
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
