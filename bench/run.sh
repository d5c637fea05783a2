#!/usr/bin/env bash
# `make bench`: the performance targets, measured side by side with their
# references in one run on this machine, printed as one table and kept in
# bench/RESULTS.md. Performance is measured here, never asserted in tests.
#
#   1. `imago demo --therapists N` and importing the same N rows as CSV,
#      each timed against the 60 s goal.
#   2. In-process search (bench/search_bench.c, linked with the release
#      objects) beside kdbush + geokdbush (bench/geokdbush.mjs) on the same
#      points and the same query ZIPs, with and without a filter.
#   3. HTTP: wrk against `imago serve`, then the same wrk against nginx
#      serving a static file the size of a typical response (the ceiling).
#   4. A burst of sign-ins (Argon2id) while one client searches.
#   5. Booking (bench/booking.sh): listing 90 days of a therapist's free
#      slots, and bookings per second with many clients competing for one
#      therapist's slots. It appends its own section to the results.
#
# Everything goes to build/bench/. Every server started here is stopped on
# exit, whatever happens. Environment, for quicker or different runs:
#   BENCH_N=1000000      therapists      BENCH_QUERIES=1000  query ZIPs
#   BENCH_SEED=42        demo seed       BENCH_PASSES=5      timed passes
#   BENCH_DURATION=10    wrk seconds     BENCH_CONNECTIONS=64, BENCH_THREADS=2
#   BENCH_BURST=64       sign-ins started at once in step 4
#   BENCH_DB=PATH        benchmark this database instead of a new demo one
#                        (the demo and import steps are then skipped)
# Only a run with the issue's numbers (the defaults) writes bench/RESULTS.md;
# any other writes build/bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_N:-1000000}
QUERIES=${BENCH_QUERIES:-1000}
SEED=${BENCH_SEED:-42}
PASSES=${BENCH_PASSES:-5}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
BURST=${BENCH_BURST:-64}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-900}
RADIUS=40

IMAGO=$PWD/build/release/imago
OUT=$PWD/build/bench
GAZ=$OUT/gazetteer.db
DEMO=$OUT/demo.db
IMPORTED=$OUT/import.db
CSV=$OUT/therapists.csv

defaults=1
for v in BENCH_N BENCH_QUERIES BENCH_SEED BENCH_PASSES BENCH_DURATION \
	BENCH_CONNECTIONS BENCH_THREADS BENCH_DB BENCH_BURST; do
	[ -n "${!v:-}" ] && defaults=0
done
if [ "$defaults" = 1 ]; then
	RESULTS=bench/RESULTS.md
else
	RESULTS=$OUT/RESULTS.md
fi

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# The value of KEY in a file of "key value" lines.
kv() { awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }' "$1"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# ---- Servers: started here, always stopped here ----

SERVE_PID=
NGINX_PID=
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$SERVE_PID"
	stop "$NGINX_PID"
	SERVE_PID="" NGINX_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	node -e 'const s = require("net").createServer();
		s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
# Waits until URL answers 200, or the process PID dies, for up to $3 s.
wait_ready() {
	local url=$1 pid=$2 limit=$3
	for _ in $(seq $((limit * 10))); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -sf -o /dev/null --max-time 2 "$url" && return 0
		sleep 0.1
	done
	return 1
}

# ---- Tools ----

for tool in wrk nginx node curl sqlite3 cc pkg-config timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing (make bench installs it via scripts/setup.sh --bench)"
done
[ -x "$IMAGO" ] || die "$IMAGO is missing (make build/release/imago)"
[ -d bench/node_modules/geokdbush ] || die "bench/node_modules is missing (cd bench && npm ci)"
mkdir -p "$OUT"

log "building search_bench"
# The library objects `make` built for the current sources (not main.o).
objects=()
for src in src/*/*.c; do
	objects+=("build/release/${src%.c}.o")
	[ -f "${objects[-1]}" ] || die "${objects[-1]} is missing (make build/release/imago)"
done
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Isrc \
	$(pkg-config --cflags sqlite3) bench/search_bench.c "${objects[@]}" \
	$(make -s --no-print-directory print-ldlibs) \
	-o "$OUT/search_bench" || die "could not build bench/search_bench.c"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- The gazetteer (the tests' fixture when there is one) ----

us_zips() { sqlite3 "$1" "SELECT count(*) FROM postal_codes WHERE country = 'US'" 2>/dev/null || echo 0; }
rm -f "$GAZ" "$GAZ-wal" "$GAZ-shm"
if [ -s build/test/gazetteer.db ] && [ "$(us_zips build/test/gazetteer.db)" -ge "$QUERIES" ]; then
	log "copying the gazetteer from build/test/gazetteer.db"
	# .backup, not cp: consistent even if the tests are using it.
	sqlite3 build/test/gazetteer.db ".backup '$GAZ'" || die "could not copy build/test/gazetteer.db"
	"$IMAGO" --db "$GAZ" migrate >/dev/null || die "imago migrate failed on $GAZ"
else
	log "importing the gazetteer"
	"$IMAGO" --db "$GAZ" migrate >/dev/null || die "imago migrate failed"
	"$IMAGO" --db "$GAZ" gazetteer import >"$OUT/gazetteer.log" 2>&1 ||
		die "imago gazetteer import failed; see $OUT/gazetteer.log"
fi
sqlite3 "$GAZ" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
[ "$(us_zips "$GAZ")" -ge "$QUERIES" ] || die "$GAZ has fewer than $QUERIES US ZIPs"

# ---- 1. Making the data: demo, then the same rows imported as CSV ----

fresh_copy() {
	rm -f "$2" "$2-wal" "$2-shm"
	cp "$1" "$2"
}
count_therapists() { sqlite3 "$1" "SELECT count(*) FROM therapists"; }

demo_s=skipped
import_s=skipped
if [ -n "${BENCH_DB:-}" ]; then
	[ -s "$BENCH_DB" ] || die "BENCH_DB=$BENCH_DB does not exist"
	log "using $BENCH_DB instead of demo data"
	if [ "$(realpath "$BENCH_DB")" != "$DEMO" ]; then
		rm -f "$DEMO" "$DEMO-wal" "$DEMO-shm"
		sqlite3 "$BENCH_DB" ".backup '$DEMO'" || die "could not copy $BENCH_DB"
	fi
	N=$(count_therapists "$DEMO")
else
	log "imago demo --therapists $N --seed $SEED"
	fresh_copy "$GAZ" "$DEMO"
	t=$(now)
	timeout "$STEP_TIMEOUT" "$IMAGO" --db "$DEMO" demo --therapists "$N" --seed "$SEED" \
		>"$OUT/demo.log" 2>&1 ||
		die "imago demo failed or took over ${STEP_TIMEOUT}s (exit $?); see $OUT/demo.log"
	demo_s=$(elapsed "$t")
	made=$(count_therapists "$DEMO")
	[ "$made" -eq "$N" ] || die "imago demo made $made therapists, not $N"

	log "dumping $N rows to CSV"
	sqlite3 -csv -header "$DEMO" "SELECT
		coalesce(external_id, 'demo-' || id) AS external_id, name, credentials,
		certifications, specialties, formats, languages, accepting_new_clients,
		fee_min, fee_max, sliding_scale, email, phone, website, address, city,
		region, postal_code, country, lat, lon, license_number, license_regions,
		years_experience, bio, approach
		FROM therapists ORDER BY id" >"$CSV" || die "could not dump $DEMO to CSV"

	log "imago import therapists ($N rows)"
	fresh_copy "$GAZ" "$IMPORTED"
	t=$(now)
	timeout "$STEP_TIMEOUT" "$IMAGO" --db "$IMPORTED" import therapists "$CSV" \
		>"$OUT/import.log" 2>&1 ||
		die "imago import failed or took over ${STEP_TIMEOUT}s (exit $?); see $OUT/import.log"
	import_s=$(elapsed "$t")
	made=$(count_therapists "$IMPORTED")
	[ "$made" -eq "$N" ] || die "the import made $made therapists, not $N; see $OUT/import.log"
	rm -f "$IMPORTED" "$IMPORTED-wal" "$IMPORTED-shm"
fi
sqlite3 "$DEMO" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

# ---- 2. In-process search, beside geokdbush ----

log "choosing $QUERIES US ZIPs (seed $SEED)"
"$OUT/search_bench" pick "$GAZ" "$QUERIES" "$SEED" "$OUT/queries.txt" ||
	die "search_bench could not choose the query ZIPs"

log "search_bench: $QUERIES queries x $PASSES passes, with and without a filter"
timeout "$STEP_TIMEOUT" "$OUT/search_bench" run "$DEMO" "$OUT/queries.txt" "$OUT" "$PASSES" \
	>"$OUT/search.txt" || die "search_bench failed"

log "geokdbush: the same points and queries"
timeout "$STEP_TIMEOUT" node bench/geokdbush.mjs "$OUT" "$OUT/queries.txt" "$PASSES" \
	>"$OUT/geokdbush.json" || die "bench/geokdbush.mjs failed"
# Flattened to "key value" lines like the others.
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	for (const s of ["all", "filtered"])
		for (const [k, v] of Object.entries(j[s]))
			if (typeof v === "number") console.log(`${s}_${k} ${v}`);
	console.log(`build_s ${j.build_s}`);
	console.log(`rss_kb ${j.rss_kb}`);' "$OUT/geokdbush.json" >"$OUT/geokdbush.txt"

# ---- 3. HTTP: imago, then nginx on the same requests ----

awk -v r="$RADIUS" '{ print "/api/v1/therapists?near=" $1 "&radius=" r }' \
	"$OUT/queries.txt" >"$OUT/paths.txt"

# wrk RESULT_FILE URL [PATHS_FILE]: exactly DURATION seconds of load.
run_wrk() {
	BENCH_PATHS="${3:-$OUT/paths.txt}" timeout $((DURATION + 30)) \
		wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
		-s bench/zips.lua "$2" >"$1" 2>&1 || die "wrk failed; see $1"
	local status
	status=$(kv "$1" bench_status_errors)
	[ "$status" -eq 0 ] || log "warning: $status responses with an error status in $1"
	status=$(kv "$1" bench_errors)
	[ "$status" -eq 0 ] || log "warning: $status socket errors or timeouts in $1"
}

port=$(free_port)
base=http://127.0.0.1:$port
log "imago serve on $base"
# The access log would be a line per request: off, as it is for nginx.
t=$(now)
"$IMAGO" --db "$DEMO" serve --listen "127.0.0.1:$port" 2>/dev/null &
SERVE_PID=$!
# It listens once the index is loaded.
wait_ready "$base/healthz" "$SERVE_PID" "$STEP_TIMEOUT" ||
	die "imago serve did not come up on $base (try: $IMAGO --db $DEMO serve --listen 127.0.0.1:$port)"
serve_ready_s=$(elapsed "$t")

# Warm-up: every query once, which also gives each response's size.
log "warming up with each query once"
awk -v b="$base" '{ print "url = \"" b $0 "\"\noutput = \"/dev/null\"" }' \
	"$OUT/paths.txt" >"$OUT/curl-warmup.conf"
curl -s --max-time 120 -K "$OUT/curl-warmup.conf" \
	-w '%{http_code} %{size_download}\n' >"$OUT/warmup.txt" ||
	die "the warm-up requests failed"
bad=$(awk '$1 != 200' "$OUT/warmup.txt" | wc -l)
[ "$bad" -eq 0 ] || die "$bad of the $QUERIES queries did not answer 200 (see $OUT/warmup.txt)"
serve_rss_warm=$(rss_mb "$SERVE_PID")

# The static file for nginx: the response of the median size.
median_line=$(awk '{ print $2, NR }' "$OUT/warmup.txt" | sort -n | awk -v m=$(((QUERIES + 1) / 2)) 'NR == m')
response_bytes=${median_line% *}
median_path=$(sed -n "${median_line#* }p" "$OUT/paths.txt")
NGX=$OUT/nginx
rm -rf "$NGX"
mkdir -p "$NGX/www" "$NGX/tmp"
curl -sf -o "$NGX/www/response.json" "$base$median_path" ||
	die "could not fetch $median_path for nginx to serve"

log "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against imago"
run_wrk "$OUT/wrk-imago.txt" "$base"
serve_rss_after=$(rss_mb "$SERVE_PID")
stop "$SERVE_PID"
SERVE_PID=

port2=$(free_port)
cat >"$NGX/nginx.conf" <<EOF
# Throwaway config for bench/run.sh: the ceiling for HTTP on this machine.
worker_processes auto;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/json;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $NGX/tmp/body;
	proxy_temp_path $NGX/tmp/proxy;
	fastcgi_temp_path $NGX/tmp/fastcgi;
	uwsgi_temp_path $NGX/tmp/uwsgi;
	scgi_temp_path $NGX/tmp/scgi;
	server {
		listen 127.0.0.1:$port2;
		root $NGX/www;
		location / { try_files /response.json =404; }
		open_file_cache max=16;
	}
}
EOF
log "nginx on http://127.0.0.1:$port2 serving $response_bytes bytes"
nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" &
NGINX_PID=$!
wait_ready "http://127.0.0.1:$port2/" "$NGINX_PID" 20 || die "nginx did not start; see $NGX/error.log"
log "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against nginx"
run_wrk "$OUT/wrk-nginx.txt" "http://127.0.0.1:$port2"
stop "$NGINX_PID"
NGINX_PID=

# The same bytes as a static file through imago's own HTTP layer: how
# much of the gap to nginx is the HTTP layer and how much the search.
mkdir -p "$NGX/static"
cp "$NGX/www/response.json" "$NGX/static/response.txt"
echo "/static/response.txt" >"$OUT/static-paths.txt"
port3=$(free_port)
IMAGO_STATIC="$NGX/static" "$IMAGO" --db "$DEMO" serve --listen "127.0.0.1:$port3" 2>/dev/null &
SERVE_PID=$!
wait_ready "http://127.0.0.1:$port3/healthz" "$SERVE_PID" "$STEP_TIMEOUT" ||
	die "imago serve (static) did not come up"
log "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s against imago serving the response as a static file"
run_wrk "$OUT/wrk-static.txt" "http://127.0.0.1:$port3" "$OUT/static-paths.txt"
stop "$SERVE_PID"
SERVE_PID=

# ---- 4. A burst of sign-ins while someone searches ----
# Default Argon2id parameters (64 MiB a hash): the hashes run on the HTTP
# layer's worker pool, two at a time, and searches go on meanwhile.
port4=$(free_port)
"$IMAGO" --db "$DEMO" serve --listen "127.0.0.1:$port4" 2>/dev/null &
SERVE_PID=$!
wait_ready "http://127.0.0.1:$port4/healthz" "$SERVE_PID" "$STEP_TIMEOUT" ||
	die "imago serve (sign-in burst) did not come up"
log "$BURST sign-ins at once while searching"
node bench/signin_burst.mjs "http://127.0.0.1:$port4" "$SERVE_PID" "$(head -1 "$OUT/paths.txt")" \
	"$BURST" >"$OUT/signin-burst.txt" || die "bench/signin_burst.mjs failed"
stop "$SERVE_PID"
SERVE_PID=

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# The slowest query (by its fastest pass), unfiltered.
tail=$(sort -k3,3g "$OUT/timings-all.txt" | tail -1 | awk '{
	printf "ZIP %s, %d therapists within the radius, takes %.3f ms", $1, $2, $3
	if ($2 > 0) printf "\n  (%.1f ns per therapist counted)", $3 * 1e6 / $2 }')

# ---- The table ----

S=$OUT/search.txt
G=$OUT/geokdbush.txt
WI=$OUT/wrk-imago.txt
WN=$OUT/wrk-nginx.txt

rows=()
met_count=0
goal_count=0
# row METRIC IMAGO REFERENCE RATIO GOAL MET
row() {
	rows+=("$1|$2|$3|$4|$5|$6")
	case $6 in
	"") ;;
	yes) met_count=$((met_count + 1)); goal_count=$((goal_count + 1)) ;;
	*) goal_count=$((goal_count + 1)) ;;
	esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
yesno() { if "$@"; then echo yes; else echo no; fi; }
ms() { awk -v v="$1" 'BEGIN { printf (v < 1 ? "%.4f ms" : "%.2f ms"), v }'; }

if [ "$demo_s" != skipped ]; then
	row "imago demo --therapists $N" "$demo_s s" "" "" "<= 60 s" "$(yesno le "$demo_s" 60)"
	row "import $N-row CSV" "$import_s s" "" "" "<= 60 s" "$(yesno le "$import_s" 60)"
fi
row "index load from SQLite (ref: kdbush build)" "$(kv "$S" load_s) s" \
	"$(kv "$G" build_s | awk '{ printf "%.2f", $1 }') s" \
	"$(ratio "$(kv "$S" load_s)" "$(kv "$G" build_s)")" "" ""
row "in-process RSS after index load" \
	"$(kv "$S" rss_after_load_kb | awk '{ printf "%.0f", $1 / 1024 }') MB" "" "" "" ""

# search CASE LABEL: median and p99 rows for one case.
search_rows() {
	local c=$1 label=$2
	local im ip gm gp
	im=$(kv "$S" "${c}_median_ms") ip=$(kv "$S" "${c}_p99_ms")
	gm=$(kv "$G" "${c}_median_ms") gp=$(kv "$G" "${c}_p99_ms")
	row "search ($label): median" "$(ms "$im")" "$(ms "$gm")" "$(ratio "$im" "$gm")" \
		"<= reference" "$(yesno le "$im" "$gm")"
	local met=no
	if le "$ip" "$gp" && le "$ip" 2; then
		met=yes
	elif le "$ip" 2; then
		met="<= 2 ms only"
	fi
	row "search ($label): p99" "$(ms "$ip")" "$(ms "$gp")" "$(ratio "$ip" "$gp")" \
		"<= ref, <= 2 ms" "$met"
	ip=$(kv "$S" "${c}_best_p99_ms") gp=$(kv "$G" "${c}_best_p99_ms")
	row "search ($label): p99, fastest passes" "$(ms "$ip")" "$(ms "$gp")" \
		"$(ratio "$ip" "$gp")" "" ""
}
search_rows all "no filter"
search_rows filtered "$(kv "$S" filter)"

ir=$(kv "$WI" bench_rps) nr=$(kv "$WN" bench_rps)
ip=$(kv "$WI" bench_p99_ms) np=$(kv "$WN" bench_p99_ms)
half=$(awk -v n="$nr" 'BEGIN { print n / 2 }')
row "HTTP requests/s (wrk -c$CONNECTIONS)" "$(printf %.0f "$ir")" "$(printf %.0f "$nr")" \
	"$(ratio "$ir" "$nr")" ">= 0.50 x ref" "$(yesno le "$half" "$ir")"
sr=$(kv "$OUT/wrk-static.txt" bench_rps)
row "HTTP requests/s, same bytes as a static file" "$(printf %.0f "$sr")" "$(printf %.0f "$nr")" \
	"$(ratio "$sr" "$nr")" "" ""
row "HTTP p99 latency" "$(ms "$ip")" "$(ms "$np")" "$(ratio "$ip" "$np")" "<= 20 ms" \
	"$(yesno le "$ip" 20)"
row "server start until /healthz answers" "$serve_ready_s s" "" "" "" ""
row "server RSS after warm-up" "$serve_rss_warm MB" "" "" "" ""
row "server RSS after wrk" "$serve_rss_after MB" "" "" "<= 300 MB" \
	"$(yesno le "$serve_rss_after" 300)"
SB=$OUT/signin-burst.txt
row "$BURST sign-ins at once: all answered in" "$(kv "$SB" burst_seconds) s" "" "" "" ""
row "  of them 401 / 503 busy / other" \
	"$(kv "$SB" burst_401) / $(kv "$SB" burst_503) / $(kv "$SB" burst_other)" "" "" "" ""
row "search p50 during the burst (ref: idle)" "$(ms "$(kv "$SB" search_p50_ms_burst)")" \
	"$(ms "$(kv "$SB" search_p50_ms_idle)")" \
	"$(ratio "$(kv "$SB" search_p50_ms_burst)" "$(kv "$SB" search_p50_ms_idle)")" "" ""
row "search p99 during the burst (ref: idle)" "$(ms "$(kv "$SB" search_p99_ms_burst)")" \
	"$(ms "$(kv "$SB" search_p99_ms_idle)")" \
	"$(ratio "$(kv "$SB" search_p99_ms_burst)" "$(kv "$SB" search_p99_ms_idle)")" "" ""
row "server peak RSS before / after the burst" \
	"$(kv "$SB" hwm_mb_before) / $(kv "$SB" hwm_mb_after) MB" "" "" "" ""

table() {
	printf '| %-46s | %-12s | %-12s | %-5s | %-20s | %-12s |\n' \
		metric imago reference ratio goal "met?"
	printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 48))" \
		"$(printf -- '-%.0s' $(seq 14))" "$(printf -- '-%.0s' $(seq 14))" \
		"$(printf -- '-%.0s' $(seq 7))" "$(printf -- '-%.0s' $(seq 22))" \
		"$(printf -- '-%.0s' $(seq 14))"
	local r
	for r in "${rows[@]}"; do
		IFS='|' read -r a b c d e f <<<"$r"
		printf '| %-46s | %-12s | %-12s | %-5s | %-20s | %-12s |\n' \
			"$a" "$b" "$c" "$d" "$e" "$f"
	done
}

echo
table
echo
echo "$met_count of $goal_count goals met. References: geokdbush (in-process), nginx (HTTP)."
echo "Load average before/after: $load_before / $load_after. Details in $OUT/."

# ---- RESULTS.md ----

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "# Benchmark results"
	echo
	echo "The latest \`make bench\` run (bench/run.sh rewrites this file; only a"
	echo "run with the default parameters writes it here)."
	echo
	echo "## Machine"
	echo
	echo "- $(nproc) cores: $cpu; $mem memory"
	echo "- Linux $(uname -r); $(gcc --version | head -1)"
	echo "- node $(node --version), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2),"\
		"$(nginx -v 2>&1 | cut -d' ' -f3), SQLite $(sqlite3 --version | cut -d' ' -f1)"
	echo "- $(date -u +%Y-%m-%dT%H:%M:%SZ); load average before/after: $load_before / $load_after"
	echo "  (much above 1, other work shared the $(nproc) cores: the figures are noisy)"
	echo
	echo "## Results"
	echo
	echo "$N therapists; $QUERIES US ZIP centroids (seed $SEED), radius $RADIUS km;"
	echo "a search is the top 20 by distance plus the exact total."
	echo
	table
	echo
	echo "$met_count of $goal_count goals met."
	echo
	echo "## Method"
	echo
	echo "- **Data.** \`imago demo --therapists $N --seed $SEED\` on a copy of the"
	echo "  gazetteer, timed; its rows dumped with sqlite3 to a CSV and imported"
	echo "  into a fresh gazetteer copy with \`imago import therapists\`, timed."
	echo "- **In-process search.** bench/search_bench.c calls \`search_near_point\`"
	echo "  (top 20 by distance plus the exact total) for each of the $QUERIES ZIPs:"
	echo "  one warm-up pass, then $PASSES timed passes, each query timed alone"
	echo "  with CLOCK_MONOTONIC; median and p99 over all $((QUERIES * PASSES)) timings."
	echo "  Filtered case: \`$(kv "$S" filter)\`. The reference, bench/geokdbush.mjs, does"
	echo "  the same with kdbush 4.1.0 + geokdbush 2.1.0 (\`around(index, lon, lat, 20, $RADIUS)\`,"
	echo "  with a predicate for the filter) on the same $(kv "$S" located) located"
	echo "  therapists; it finds no total. It checks its top 20 against imago's: they agree"
	echo "  on $(kv "$G" all_agree)/$QUERIES queries unfiltered and $(kv "$G" filtered_agree)/$QUERIES filtered"
	echo "  (same count and distances to 1 m). Average total within $RADIUS km:"
	echo "  $(kv "$S" all_mean_total) unfiltered, $(kv "$S" filtered_mean_total) filtered."
	echo "  \"p99, fastest passes\" takes each query's fastest of the $PASSES passes, then"
	echo "  the p99 over queries: the tail of the work itself, less of other processes'"
	echo "  interruptions. The slowest query, unfiltered:"
	echo "  $tail."
	echo "- **HTTP.** \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s bench/zips.lua\`"
	echo "  cycling through \`GET /api/v1/therapists?near=ZIP&radius=$RADIUS\` for the same"
	echo "  ZIPs, after one warm-up request per ZIP; access log off. wrk shares the"
	echo "  $(nproc) cores with the server. Then the same wrk against nginx (worker_processes"
	echo "  auto, access_log off, sendfile, open_file_cache, long keep-alive) serving a"
	echo "  static file of $response_bytes bytes, the median response size. Server RSS is"
	echo "  VmRSS from /proc."
	echo "- **Sign-in burst.** bench/signin_burst.mjs starts $BURST sign-ins at once"
	echo "  (each from its own loopback address, for its own unknown account, so no"
	echo "  abuse limit answers first and each costs one Argon2id check with the"
	echo "  default parameters: 64 MiB), while one client searches back to back;"
	echo "  the idle figures are 2 s of the same searches just before. Peak RSS is"
	echo "  VmHWM. The hashes run on the HTTP layer's worker pool, at most"
	echo "  IMAGO_PWHASH_CONCURRENCY (2) at once, so connection threads stay free."
	if [ "$defaults" = 0 ]; then
		echo
		echo "Not the issue's parameters (BENCH_* set): a trial run."
	fi
} >"$RESULTS"
log "wrote $RESULTS"

# ---- 5. Booking ----
BOOKING_RESULTS="$RESULTS" bench/booking.sh || die "bench/booking.sh failed"
