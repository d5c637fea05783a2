/* The error type: see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
err_set(struct err *e, int status, const char *code, const char *param,
    const char *fmt, ...)
{
	if (e == NULL)
		return -1;
	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "error");
	snprintf(e->param, sizeof(e->param), "%s", param ? param : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

void
err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

int
err_is_set(const struct err *e)
{
	return e->status != 0;
}
