#!/usr/bin/env bash
# Source checks run by `make test` (after curl's checksrc): no functions
# that invite bugs, no raw markup built outside the HTML writer, no SQL
# in the HTTP layer. Prints "N passed, N failed".
cd "$(dirname "$0")/.."
pass=0
fail=0
check() {
	local name=$1 hits=$2
	if [ -n "$hits" ]; then
		echo "FAIL $name:"
		echo "$hits"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}
check "banned functions (sprintf strcpy strcat strtok gets atoi)" \
	"$(grep -nE '(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strtok|gets|atoi|atol)[[:space:]]*\(' src/*.c src/*/*.c src/*/*.h fuzz/*.c tests/unit/*.c 2>/dev/null)"
check "SQL in the HTTP layer (src/http, src/web)" \
	"$(grep -nEi '\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b' src/http/*.c src/web/*.c 2>/dev/null)"
check "sqlite3 calls in the HTTP layer" \
	"$(grep -nE 'sqlite3_(prepare|exec|step)' src/http/*.c src/web/*.c 2>/dev/null)"
# Unescaped markup is confined to the page templates, where every call
# is a literal or cmark's safe output; anywhere else it needs a review.
check "html_raw outside the page templates (src/web/pages*.c)" \
	"$(grep -nE 'html_raw\(' src/*.c src/*/*.c | grep -vE '^src/(web/pages[a-z_]*|util/html)\.c:')"
check "MHD used outside src/http" \
	"$(grep -lE 'microhttpd\.h' src/*/*.c src/*.c | grep -v '^src/http/')"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
