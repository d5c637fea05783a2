/*
 * The web application: the context every handler receives (through
 * req->app), the route table, and the handlers, which translate between
 * HTTP (src/http) and the domain modules (directory, places). Handlers
 * hold no SQL and build no markup by hand: JSON goes through
 * util/jw.h, HTML through util/html.h and the layout in pages.h.
 */
#ifndef IMAGO_APP_H
#define IMAGO_APP_H

#include <sqlite3.h>

#include "../directory/search.h"
#include "../http/http.h"

struct app {
	const char		*db_path;
	const char		*static_dir;	/* our own CSS/JS */
	const char		*leaflet_dir;	/* data/node_modules/leaflet/dist */
	const char		*tile_url;	/* map tiles, {z}/{x}/{y} template */
	const char		*tile_attribution;
	struct search_engine	*engine;
};

/* This thread's connection to the database (opened on first use). */
sqlite3	*app_db(struct app *app);

/* The route table (routes.c). */
extern const struct http_route app_routes[];
extern const size_t app_nroutes;

/* Errors: JSON {"error":{code,param,message}} under /api/, else a page. */
void	app_render_error(struct http_request *req, const struct err *e,
	    struct http_response *res);

/* JSON API (api.c) */
int	api_therapists(struct http_request *, struct http_response *, struct err *);
int	api_therapist(struct http_request *, struct http_response *, struct err *);
int	api_places(struct http_request *, struct http_response *, struct err *);
int	health(struct http_request *, struct http_response *, struct err *);

/* HTML pages (pages.c) */
int	page_home(struct http_request *, struct http_response *, struct err *);
int	page_results(struct http_request *, struct http_response *, struct err *);
int	page_profile(struct http_request *, struct http_response *, struct err *);
int	page_not_found(struct http_request *, struct http_response *, struct err *);

/* Static assets (assets.c): our CSS/JS and Leaflet, loaded at start. */
int	assets_load(struct app *app, struct err *e);
int	asset_serve(struct http_request *, struct http_response *, struct err *);

#endif
