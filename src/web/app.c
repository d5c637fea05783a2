/* The application context: per-thread database connections and errors. */
#include "app.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../store/db.h"
#include "../util/jw.h"
#include "pages.h"

/*
 * libmicrohttpd runs handlers on a fixed pool of threads; each keeps one
 * connection for its lifetime, so no statement or connection is shared
 * between threads and SQLite needs no mutexes of its own. The key's
 * destructor closes a thread's connection when the thread ends.
 */
static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

static void
close_thread_db(void *db)
{
	db_close(db);
}

static void
make_db_key(void)
{
	pthread_key_create(&db_key, close_thread_db);
}

sqlite3 *
app_db(struct app *app)
{
	pthread_once(&db_key_once, make_db_key);
	sqlite3 *db = pthread_getspecific(db_key);
	if (db == NULL) {
		struct err e = ERR_INIT;
		db = db_open(app->db_path, &e);
		if (db == NULL)
			fprintf(stderr, "imago: %s\n", e.message);
		else
			pthread_setspecific(db_key, db);
	}
	return db;
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
		struct jw j;
		jw_init(&j, &res->body);
		jw_object_begin(&j);
		jw_key(&j, "error");
		jw_object_begin(&j);
		jw_kv_string(&j, "code", shown.code);
		if (shown.param[0])
			jw_kv_string(&j, "param", shown.param);
		jw_kv_string(&j, "message", shown.message);
		jw_object_end(&j);
		jw_object_end(&j);
		http_reply_json(res, e->status);
		/* Only when credentials are missing or rejected; a wrong
		 * current password is not a reason to sign in again. */
		if (e->status == 401 && (strcmp(e->code, "authentication_required") == 0 ||
		    strcmp(e->code, "invalid_token") == 0))
			http_add_header(res, "WWW-Authenticate", "Bearer realm=\"imago\"");
	} else {
		page_error_for(&res->body, req, &shown);
		http_reply_html(res, e->status);
	}
	if (e->status == 429 || e->status == 503) {
		char tmp[24];
		http_add_header(res, "Retry-After", arena_strdup(req->arena,
		    jw_format_int(tmp, e->retry_after > 0 ? e->retry_after : 5)));
	}
}
