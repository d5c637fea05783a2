/* The ordered list of schema migrations (private to the store). */
#ifndef IMAGO_MIGRATIONS_H
#define IMAGO_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int		 version;
	const char	*description;
	const char	*sql;
};

const struct migration *migrations_list(size_t *count);

#endif
