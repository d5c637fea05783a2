#!/usr/bin/env bash
# Runs each fuzz harness's replay build (build/asan/fuzz/NAME-replay, made
# by `make test`) over its committed corpus fuzz/corpus/NAME/.
# Prints "N passed, N failed": one per corpus file.
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0
fail=0
for harness in fuzz/*_fuzz.c; do
	name=$(basename "$harness" _fuzz.c)
	bin=build/asan/fuzz/$name-replay
	if [ ! -x "$bin" ]; then
		echo "FAIL $name: $bin is not built (make test builds it)"
		fail=$((fail + 1))
		continue
	fi
	files=(fuzz/corpus/"$name"/*)
	[ -e "${files[0]}" ] || { echo "FAIL $name: empty corpus"; fail=$((fail + 1)); continue; }
	for f in "${files[@]}"; do
		if "$bin" "$f" >/dev/null 2>"build/test/fuzz-$name.err"; then
			pass=$((pass + 1))
		else
			echo "FAIL $name on $f:"
			cat "build/test/fuzz-$name.err"
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
