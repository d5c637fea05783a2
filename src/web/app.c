/* The application context: per-thread database connections and errors. */
#include "app.h"

#include <stdio.h>

#include "../store/db.h"
#include "../util/json.h"
#include "pages.h"

/*
 * libmicrohttpd runs handlers on a fixed pool of threads; each keeps one
 * connection for its lifetime, so no statement or connection is shared
 * between threads and SQLite needs no mutexes of its own.
 */
static _Thread_local sqlite3 *thread_db;

sqlite3 *
app_db(struct app *app)
{
	if (thread_db == NULL) {
		struct err e = ERR_INIT;
		thread_db = db_open(app->db_path, &e);
		if (thread_db == NULL)
			fprintf(stderr, "imago: %s\n", e.message);
	}
	return thread_db;
}

void
app_render_error(struct http_request *req, const struct err *e,
    struct http_response *res)
{
	/* Internal details stay in the log; people see a plain sentence. */
	struct err shown = *e;
	if (e->status >= 500)
		snprintf(shown.message, sizeof(shown.message),
		    "something went wrong on our side; please try again");
	if (req->is_api) {
		struct json j;
		json_init(&j, &res->body);
		json_object_begin(&j);
		json_key(&j, "error");
		json_object_begin(&j);
		json_kv_string(&j, "code", shown.code);
		if (shown.param[0])
			json_kv_string(&j, "param", shown.param);
		json_kv_string(&j, "message", shown.message);
		json_object_end(&j);
		json_object_end(&j);
		http_reply_json(res, e->status);
	} else {
		page_error(&res->body, req->app, &shown);
		http_reply_html(res, e->status);
	}
	if (e->status == 429 || e->status == 503)
		http_add_header(res, "Retry-After", "5");
}
