/*
 * The page layout shared by every HTML page: the document head (CSS, the
 * one script, no inline JavaScript), the header with the search form and
 * the account menu, and the footer crediting GeoNames and OpenStreetMap.
 */
#ifndef IMAGO_PAGES_H
#define IMAGO_PAGES_H

#include "../util/buf.h"
#include "../directory/therapist.h"
#include "app.h"

struct page {
	const char	*title;		/* text, escaped by the layout */
	const char	*near;		/* prefill for the header search box */
	const char	*body_class;	/* e.g. "results" */
	struct http_request *req;	/* optional: the header then shows the
					   account menu of whoever is signed in */
};

void	page_begin(struct buf *b, struct app *app, const struct page *p);
void	page_end(struct buf *b, struct app *app);
/* <form method="post" action="..."> with the hidden CSRF field of this
 * request's session or pre-session. Close with </form> via html_raw. */
void	page_form_begin(struct buf *b, struct http_request *req, const char *action);

/* Ends a page: the layout's foot and the status; a refusal for too many
 * attempts (429) also says when to try again (Retry-After). Returns 0. */
int	page_finish(struct http_request *req, struct http_response *res, int status,
	    const struct err *e);
/* A flow's message (a clause, as the API returns it) as a sentence. */
void	page_sentence(struct buf *b, const char *msg);
/* A short confirmation: "Saved.", "Booked." */
void	page_notice(struct buf *b, const char *text);
/* A hidden form field. */
void	page_hidden(struct buf *b, const char *name, const char *value);
/* Why a form was refused, as an alert above it; nothing when e is unset. */
void	page_form_error(struct buf *b, const struct err *e);

/* Markdown as HTML by cmark in safe mode: raw HTML and javascript:,
 * vbscript:, file: and data: (except images) links are dropped. */
void	page_markdown(struct buf *b, const char *text);
/* A moment as "3 May 2025, 14:02 UTC" in a <time> element. */
void	page_moment(struct buf *b, long long t);

/* A labelled <select> of every time zone, current one selected. */
void	page_zone_select(struct buf *b, const char *name, const char *label,
	    const char *current);

/* Renders a whole error page (used by app_render_error). */
void	page_error(struct buf *b, struct app *app, const struct err *e);
/* The same with the request, so the header shows the account menu. */
void	page_error_for(struct buf *b, struct http_request *req, const struct err *e);

/*
 * Sections of a therapist's public page (/therapists/{id}) that other
 * page files provide: free slots and the booking form (pages_booking.c),
 * the contact form (pages_contact.c), recommendations and endorsements
 * (pages_recommend.c). Each writes nothing when it has nothing to show.
 */
void	profile_booking_section(struct buf *b, struct http_request *req, sqlite3 *db,
	    const struct therapist *t);
void	profile_contact_form(struct buf *b, struct http_request *req,
	    const struct therapist *t);
void	profile_recommendations_section(struct buf *b, struct http_request *req,
	    sqlite3 *db, const struct therapist *t);

#endif
