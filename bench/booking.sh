#!/usr/bin/env bash
# The booking benchmark (issue 4), step 5 of `make bench`, also runnable
# alone: `bench/booking.sh`. Two figures, kept in bench/RESULTS.md under
# "## Booking":
#   1. Server time to list one therapist's free slots over the next 90
#      days (bench/booking_bench.c, in-process, the handler's work without
#      HTTP): goal <= 2 ms. Measured with no appointments and again after
#      the race below has filled most of the slots.
#   2. Bookings per second while CLIENTS guests compete for the same
#      therapist's slots over HTTP (bench/booking_race.mjs), and a check
#      that no slot was booked twice.
# Environment: BOOKING_CLIENTS=32 BOOKING_SECONDS=20 BOOKING_PASSES=2000
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${BOOKING_CLIENTS:-32}
SECONDS_MAX=${BOOKING_SECONDS:-20}
PASSES=${BOOKING_PASSES:-2000}
OUT=build/bench/booking
RESULTS=${BOOKING_RESULTS:-bench/RESULTS.md}
IMAGO=build/release/imago
mkdir -p "$OUT"
log() { printf 'booking bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
SERVE_PID=
cleanup() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

make -s build/release/imago >&2
objects=()
while IFS= read -r o; do objects+=("$o"); done < <(find build/release/src -name '*.o' ! -name main.o | sort)
log "building booking_bench"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags sqlite3 libical) bench/booking_bench.c \
	"${objects[@]}" $(make -s --no-print-directory print-ldlibs) -o "$OUT/booking_bench" ||
	die "could not build bench/booking_bench.c"

# A small directory on the real gazetteer: the figures are per therapist.
DB=$OUT/booking.db
rm -f "$DB" "$DB-wal" "$DB-shm"
if [ -s build/test/gazetteer.db ]; then
	cp build/test/gazetteer.db "$DB"
	"$IMAGO" --db "$DB" migrate >/dev/null
else
	"$IMAGO" --db "$DB" migrate >/dev/null
	"$IMAGO" --db "$DB" gazetteer import >&2
fi
"$IMAGO" --db "$DB" demo --therapists 1000 --booking 1000 >/dev/null
# The therapist under test: hours every day 08:00-20:00 in New York, a
# 15-minute consultation with a 10-minute buffer, bookable 1 hour to 90
# days ahead: about 28 slots a day, 2,500 in the 90 days.
read -r T TYPE < <(sqlite3 -separator ' ' "$DB" "SELECT therapist_id, id FROM appointment_types
	WHERE kind = 'consultation' ORDER BY therapist_id LIMIT 1")
sqlite3 "$DB" "UPDATE booking_settings SET timezone = 'America/New_York', buffer_minutes = 10,
	min_notice_minutes = 60, max_days_ahead = 90 WHERE therapist_id = $T;
	DELETE FROM availability_hours WHERE therapist_id = $T;
	INSERT INTO availability_hours (therapist_id, weekday, start_minute, end_minute)
	SELECT $T, value, 480, 1200 FROM (SELECT 1 AS value UNION SELECT 2 UNION SELECT 3
	UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7);"

log "listing 90 days of slots, $PASSES passes, no appointments"
"$OUT/booking_bench" "$DB" "$T" "$TYPE" 90 "$PASSES" >"$OUT/list-empty.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
IMAGO_RATE_LIMIT_SCALE=1000 IMAGO_MAILDIR="$OUT/mail" "$IMAGO" --db "$DB" serve \
	--listen "127.0.0.1:$port" 2>"$OUT/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.2
done
log "$CLIENTS guests competing for therapist $T's slots (at most $SECONDS_MAX s)"
node bench/booking_race.mjs "http://127.0.0.1:$port" "$T" "$TYPE" "$CLIENTS" "$SECONDS_MAX" \
	>"$OUT/race.txt" || die "bench/booking_race.mjs failed"
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=

# No slot twice: every live appointment has its own blocks, none shared.
held=$(sqlite3 "$DB" "SELECT count(*) FROM appointments WHERE therapist_id = $T AND status <> 'cancelled'")
overlaps=$(sqlite3 "$DB" "SELECT count(*) FROM appointments a JOIN appointments b
	ON a.therapist_id = b.therapist_id AND a.id < b.id AND a.status <> 'cancelled'
	AND b.status <> 'cancelled' AND a.starts_at < b.ends_at + b.buffer_minutes * 60
	AND b.starts_at < a.ends_at + a.buffer_minutes * 60 WHERE a.therapist_id = $T")
echo "held $held" >>"$OUT/race.txt"
echo "overlaps $overlaps" >>"$OUT/race.txt"

log "listing 90 days of slots again, with $held appointments"
"$OUT/booking_bench" "$DB" "$T" "$TYPE" 90 "$PASSES" >"$OUT/list-full.txt"

kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
E=$OUT/list-empty.txt F=$OUT/list-full.txt R=$OUT/race.txt
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "no" }'; }
section=$(cat <<END
## Booking

$(date -u +%Y-%m-%dT%H:%M:%SZ) on the machine above (\`bench/booking.sh\`, step 5 of \`make bench\`).

| metric | imago | goal | met? |
|---|---|---|---|
| list 90 days of free slots, no appointments: median | $(kv "$E" median_ms) ms ($(kv "$E" slots) slots) | | |
| list 90 days of free slots, no appointments: p99 | $(kv "$E" p99_ms) ms | <= 2 ms | $(met "$(kv "$E" p99_ms)" 2) |
| list 90 days, after the race ($(kv "$R" held) appointments): median | $(kv "$F" median_ms) ms ($(kv "$F" slots) slots) | | |
| list 90 days, after the race: p99 | $(kv "$F" p99_ms) ms | <= 2 ms | $(met "$(kv "$F" p99_ms)" 2) |
| $(kv "$R" race_clients) guests competing for one therapist: bookings/s | $(kv "$R" race_booked_per_s) | | |
| the same: requests/s (booked + refused) | $(kv "$R" race_requests_per_s) | | |
| the same: answers 202 / 409 / other | $(kv "$R" race_booked) / $(kv "$R" race_conflicts) / $(kv "$R" race_other) | other = 0 | $( [ "$(kv "$R" race_other)" = 0 ] && echo yes || echo no) |
| the same: request p50 / p99 | $(kv "$R" race_p50_ms) / $(kv "$R" race_p99_ms) ms | | |
| slots booked twice (overlapping live appointments) | $(kv "$R" overlaps) | 0 | $( [ "$(kv "$R" overlaps)" = 0 ] && echo yes || echo no) |

- **Listing** is what \`GET /api/v1/therapists/{id}/slots?days=90\` does without HTTP:
  load the availability and the appointments from SQLite, compute the slots
  (each working interval placed on its own day in the therapist's zone), and
  write the JSON with each time also in the visitor's zone (America/New_York).
  One therapist with hours every day 08:00-20:00, 15-minute consultations with
  a 10-minute buffer; $PASSES timed calls after one warm-up, each timed alone.
- **The race**: $(kv "$R" race_clients) guests at once, each from its own loopback
  address, each picking a random slot from the list they all saw, until every
  slot was taken or $SECONDS_MAX s passed ($(kv "$R" race_seconds) s here, $(kv "$R" race_slots)
  slots). A guest's booking is a hold (202) plus a confirmation email in the
  outbox, written in one transaction; 409 means someone was first. Abuse limits
  scaled up (IMAGO_RATE_LIMIT_SCALE=1000) so they do not answer first; client
  and server share the machine's cores. Each booking is its own write
  transaction, committed durably (SQLite WAL with synchronous=FULL), and
  writers take turns: that, not the slot arithmetic, sets the rate, and the
  p99 is a request waiting its turn behind the others.
END
)
if [ -f "$RESULTS" ] && grep -q '^## Booking$' "$RESULTS"; then
	awk '/^## Booking$/ { skip = 1; next } skip && /^## / { skip = 0 } !skip' "$RESULTS" >"$OUT/results.tmp"
	mv "$OUT/results.tmp" "$RESULTS"
fi
printf '\n%s\n' "$section" >>"$RESULTS"
echo "$section"
