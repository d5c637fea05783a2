/* Route matching: literal segments, and {name} segments that capture. */
#include "http.h"

#include <string.h>

bool
http_route_match(const char *pattern, const char *path, const char **args,
    struct arena *a)
{
	int nargs = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			if (close == NULL)
				return false;
			size_t n = strcspn(s, "/");
			if (n == 0 || nargs >= HTTP_MAX_PATH_ARGS)
				return false;
			args[nargs++] = arena_strndup(a, s, n);
			p = close + 1;
			s += n;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

enum http_method
http_method_parse(const char *s)
{
	static const struct { const char *name; enum http_method m; } methods[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT }, { "PATCH", HTTP_PATCH }, { "DELETE", HTTP_DELETE },
		{ "OPTIONS", HTTP_OPTIONS },
	};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return 0;
}
