/*
 * The page layout shared by every HTML page: the document head (CSS, the
 * one script, no inline JavaScript), the header with the search form, and
 * the footer crediting GeoNames and OpenStreetMap.
 */
#ifndef IMAGO_PAGES_H
#define IMAGO_PAGES_H

#include "../util/buf.h"
#include "app.h"

struct page {
	const char	*title;		/* text, escaped by the layout */
	const char	*near;		/* prefill for the header search box */
	const char	*body_class;	/* e.g. "results" */
};

void	page_begin(struct buf *b, struct app *app, const struct page *p);
void	page_end(struct buf *b, struct app *app);
/* Renders a whole error page (used by app_render_error). */
void	page_error(struct buf *b, struct app *app, const struct err *e);

#endif
