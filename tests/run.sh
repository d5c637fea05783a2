#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
#   unit     tests/unit (ASan+UBSan build), incl. place resolution on real data
#   http     tests/http against a real server (ASan build) on a loopback port
#   browser  tests/browser in headless Chromium against a real server
#   fuzz     replays each fuzz/corpus/ through its harness (ASan build)
#   source   scripts/check-src.sh (no functions that invite bugs)
# `tests/run.sh unit http` runs only the named suites.
set -uo pipefail
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(source unit http browser fuzz)

mkdir -p build/test
export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

total_pass=0
total_fail=0
log() { printf '\n=== %s\n' "$*"; }

# Adds the counts from a suite's output: "N passed, N failed" (our
# harnesses) or node's "# pass N" / "# fail N".
count() {
	local name=$1 out=$2 status=$3 p f
	p=$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1 | cut -d' ' -f1)
	f=$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1 | cut -d' ' -f3)
	if [ -z "$p" ]; then
		p=$(grep -Eo '^# pass [0-9]+' "$out" | tail -1 | awk '{print $3}')
		f=$(grep -Eo '^# fail [0-9]+' "$out" | tail -1 | awk '{print $3}')
	fi
	p=${p:-0}
	f=${f:-0}
	# A suite that crashed or printed no count has failed, whatever it said.
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: exited with status $status" >&2
		f=1
	fi
	echo "$name: $p passed, $f failed"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# One gazetteer database for the whole run; tests copy it.
gazetteer_fixture() {
	local db=build/test/gazetteer.db
	if [ ! -s "$db" ] || [ data/package-lock.json -nt "$db" ] ||
	   [ -n "$(find src/places src/store -newer "$db" -name '*.c' 2>/dev/null)" ]; then
		log "building the gazetteer fixture"
		rm -f "$db" "$db-wal" "$db-shm"
		build/release/imago --db "$db" migrate >/dev/null &&
		build/release/imago --db "$db" gazetteer import >&2 &&
		sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null || {
			echo "could not build the gazetteer fixture" >&2
			rm -f "$db"
			return 1
		}
	fi
	export IMAGO_TEST_GAZETTEER_DB=$PWD/$db
}
gazetteer_fixture || total_fail=$((total_fail + 1))

for suite in "${suites[@]}"; do
	out=build/test/$suite.log
	case $suite in
	source)
		log "source checks"
		scripts/check-src.sh >"$out" 2>&1
		count source "$out" $?
		;;
	unit)
		log "unit tests (ASan+UBSan)"
		build/asan/unit-tests >"$out" 2>&1
		status=$?
		grep -E '^FAIL|ERROR|runtime error' "$out"
		count unit "$out" $status
		;;
	http)
		log "HTTP tests (ASan+UBSan server)"
		IMAGO_BIN=build/asan/imago node --test --test-concurrency=1 tests/http/ >"$out" 2>&1
		status=$?
		grep -E '^not ok|^# (pass|fail)' "$out"
		count http "$out" $status
		;;
	browser)
		log "browser tests (headless Chromium)"
		IMAGO_BIN=build/release/imago node tests/browser/run.mjs >"$out" 2>&1
		status=$?
		grep -E '^not ok|^# (pass|fail)' "$out"
		count browser "$out" $status
		;;
	fuzz)
		log "fuzz corpus replay (ASan+UBSan)"
		tests/fuzz/replay.sh >"$out" 2>&1
		count fuzz "$out" $?
		;;
	*)
		echo "unknown suite $suite" >&2
		total_fail=$((total_fail + 1))
		;;
	esac
done

echo
echo "Logs are in build/test/."
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
