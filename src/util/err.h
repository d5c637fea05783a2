/*
 * The one error type. It carries what every face needs: an HTTP status for
 * the server, a machine-readable code and the offending parameter for the
 * JSON API, and a human message for pages and the command line.
 */
#ifndef IMAGO_ERR_H
#define IMAGO_ERR_H

struct err {
	int	status;		/* HTTP status; 0 means no error */
	char	code[40];	/* e.g. "invalid_parameter", "not_found" */
	char	param[64];	/* the offending parameter or field, or "" */
	char	message[512];
	int	retry_after;	/* seconds, for 429 and 503; 0 when unknown */
};

#define ERR_INIT { 0, "", "", "", 0 }

/* Records an error; always returns -1 so callers can `return err_set(...)`. */
int	err_set(struct err *e, int status, const char *code, const char *param,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	err_clear(struct err *e);
int	err_is_set(const struct err *e);

/* Shorthands for the common cases. */
#define err_invalid(e, param, ...) \
	err_set((e), 400, "invalid_parameter", (param), __VA_ARGS__)
#define err_internal(e, ...) \
	err_set((e), 500, "internal_error", NULL, __VA_ARGS__)

#endif
