/*
 * The route table: every URL the server answers, its methods and the
 * largest body it accepts. A route added here without a test row in
 * tests/http fails the route-coverage test.
 */
#include "app.h"

#define NO_BODY 0

const struct http_route app_routes[] = {
	{ HTTP_GET, "/", page_home, NO_BODY },
	{ HTTP_GET, "/therapists", page_results, NO_BODY },
	{ HTTP_GET, "/therapists/{id}", page_profile, NO_BODY },
	{ HTTP_GET, "/static/{name}", asset_serve, NO_BODY },
	{ HTTP_GET, "/static/leaflet/{name}", asset_serve, NO_BODY },
	{ HTTP_GET, "/static/leaflet/images/{name}", asset_serve, NO_BODY },
	{ HTTP_GET, "/healthz", health, NO_BODY },
	{ HTTP_GET, "/api/v1/therapists", api_therapists, NO_BODY },
	{ HTTP_GET, "/api/v1/therapists/{id}", api_therapist, NO_BODY },
	{ HTTP_GET, "/api/v1/places", api_places, NO_BODY },
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);
