/* One decoded key/value parameter (a query-string pair or a CLI option). */
#ifndef IMAGO_PARAM_H
#define IMAGO_PARAM_H

#include <stddef.h>

struct param {
	const char	*key;
	const char	*value;
	size_t		 value_len;	/* bytes; may include a NUL, which is rejected */
};

#endif
