/* `imago serve`: the web server. */
#include "cli.h"

#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../housekeeping/housekeeping.h"
#include "../places/places.h"
#include "../store/db.h"
#include "../vault/vault.h"
#include "../web/app.h"

#define DEFAULT_TILES "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#define DEFAULT_TILE_CREDIT "&copy; OpenStreetMap contributors"

static void
serve_usage(FILE *out)
{
	fprintf(out,
	    "usage: imago [--db PATH] serve [--listen ADDR:PORT] [--threads N]\n"
	    "                             [--timeout SECONDS] [--tiles URL] [--https]\n"
	    "                             [--base-url URL]\n\n"
	    "Runs the web server: HTML pages and the JSON API under /api/v1/.\n"
	    "Migrates the database first. Stops cleanly on SIGINT or SIGTERM.\n\n"
	    "  --listen ADDR:PORT  address to listen on (default 127.0.0.1:8080;\n"
	    "                      [::1]:8080 for IPv6; port 0 picks a free port)\n"
	    "  --threads N         request threads (default: one per core)\n"
	    "  --timeout SECONDS   close connections idle this long (default 30)\n"
	    "  --tiles URL         map tile server template (default $IMAGO_TILES,\n"
	    "                      else %s)\n"
	    "  --https             served behind a TLS proxy: send HSTS and Secure cookies\n"
	    "  --base-url URL      the public address, for links in email (default\n"
	    "                      $IMAGO_BASE_URL, else http://ADDR:PORT as listened on)\n"
	    "  --db PATH           the database (also before the command)\n\n"
	    "Email goes into a maildir (default: mail/ beside the database, or\n"
	    "$IMAGO_MAILDIR) unless $IMAGO_SMTP_URL names an SMTP server; see\n"
	    "`imago mail --help`. Password hashing and abuse limits read\n"
	    "$IMAGO_PWHASH_OPSLIMIT, $IMAGO_PWHASH_MEMLIMIT, $IMAGO_PWHASH_CONCURRENCY\n"
	    "and $IMAGO_RATE_LIMIT_SCALE (see README).\n",
	    DEFAULT_TILES);
}

/*
 * The Content-Security-Policy source for the map tiles: the template's
 * scheme and host, with a {s} subdomain placeholder widened to a
 * wildcard: a template on {s}.tile.example.org allows any subdomain.
 * Anything but a plain http(s) host is refused, since it goes into a header.
 */
static int
tile_source(const char *url, char *out, size_t n)
{
	const char *host = NULL;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	if (host == NULL)
		return -1;
	size_t len = strcspn(host, "/");
	if (len == 0 || len > 200)
		return -1;
	char buf[256];	/* len <= 200, and "{s}" only shrinks */
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (strncmp(host + i, "{s}", 3) == 0) {
			buf[o++] = '*';
			i += 2;
		} else if (isalnum((unsigned char)host[i]) || strchr(".-:", host[i])) {
			buf[o++] = host[i];
		} else {
			return -1;
		}
	}
	buf[o] = '\0';
	int w = snprintf(out, n, "%.*s%s", (int)(host - url), url, buf);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Goes into mail, where a quote or a space would break a link. */
static bool
base_url_acceptable(const char *url)
{
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return false;
	if (strlen(url) > 200)
		return false;
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\`{}|^?#", *p) != NULL)
			return false;
	return true;
}

int
cmd_serve(struct cli *c, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		serve_usage(stdout);
		return 0;
	}
	const char *listen = getenv("IMAGO_LISTEN") ? getenv("IMAGO_LISTEN") : "127.0.0.1:8080";
	const char *tiles = getenv("IMAGO_TILES") ? getenv("IMAGO_TILES") : DEFAULT_TILES;
	const char *base_url = getenv("IMAGO_BASE_URL");
	long threads = 0, timeout = 30;
	bool https = false;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (cli_option(argc, argv, &i, "--listen", &v)) {
			if (v == NULL) return 2;
			listen = v;
		} else if (cli_option(argc, argv, &i, "--db", &v)) {
			if (v == NULL) return 2;
			c->db_path = v;
		} else if (cli_option(argc, argv, &i, "--tiles", &v)) {
			if (v == NULL) return 2;
			tiles = v;
		} else if (cli_option(argc, argv, &i, "--threads", &v)) {
			char *end;
			threads = v ? strtol(v, &end, 10) : -1;
			if (v == NULL || *end || threads < 1 || threads > 64) {
				fprintf(stderr, "imago serve: --threads must be 1-64\n");
				return 2;
			}
		} else if (cli_option(argc, argv, &i, "--timeout", &v)) {
			char *end;
			timeout = v ? strtol(v, &end, 10) : -1;
			if (v == NULL || *end || timeout < 1 || timeout > 3600) {
				fprintf(stderr, "imago serve: --timeout must be 1-3600 seconds\n");
				return 2;
			}
		} else if (cli_option(argc, argv, &i, "--base-url", &v)) {
			if (v == NULL) return 2;
			base_url = v;
		} else if (strcmp(argv[i], "--https") == 0) {
			https = true;
		} else {
			fprintf(stderr, "imago serve: unknown option '%s'\n", argv[i]);
			serve_usage(stderr);
			return 2;
		}
	}

	char tile_origin[256];
	if (tile_source(tiles, tile_origin, sizeof(tile_origin)) < 0) {
		fprintf(stderr, "imago serve: --tiles must be an http(s) URL template such as %s\n",
		    DEFAULT_TILES);
		return 2;
	}

	if (base_url != NULL && *base_url != '\0' && !base_url_acceptable(base_url)) {
		fprintf(stderr, "imago serve: --base-url must be an http(s) URL such as "
		    "https://imago.example.org\n");
		return 2;
	}

	sqlite3 *db = cli_open_db(c);
	if (db == NULL)
		return 1;
	if (!place_gazetteer_loaded(db))
		fprintf(stderr, "imago serve: warning: no gazetteer in %s; run "
		    "`imago gazetteer import` so places can be searched\n", c->db_path);
	db_close(db);

	/* Signals are taken by sigwait below; block them before any thread
	 * starts so that every thread inherits the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	char leaflet[1024];
	snprintf(leaflet, sizeof(leaflet), "%s/leaflet/dist", c->data_dir);
	struct err e = ERR_INIT;
	struct app app = {
		.db_path = c->db_path,
		.static_dir = c->static_dir,
		.leaflet_dir = leaflet,
		.tile_url = tiles,
		.tile_attribution = DEFAULT_TILE_CREDIT,
	};
	int rc = 1;
	struct http_server *server = NULL;
	struct housekeeping *housekeeping = NULL;
	char maildir[1024], own_url[300];
	struct mail_config mail;
	mail_config_from_env(&mail, c->db_path, maildir, sizeof(maildir));
	if (accounts_init(&e) != 0)
		goto out;
	app.mail = mail_worker_start(&mail, &e);
	if (app.mail == NULL)
		goto out;
	app.base_url = base_url && *base_url ? base_url : NULL;
	/* The key file is made on first use (0600, beside the database unless
	 * IMAGO_KEY_FILE says elsewhere); a file others may read is refused. */
	struct buf key_path = BUF_INIT;
	vault_key_path(c->db_path, &key_path);
	app.vault = vault_open(key_path.data, true, &e);
	buf_free(&key_path);
	if (app.vault == NULL)
		goto out;
	app.engine = search_engine_open(c->db_path, &e);
	if (app.engine == NULL || search_engine_load(app.engine, &e) < 0 ||
	    assets_load(&app, &e) < 0)
		goto out;
	char csp[1024];
	snprintf(csp, sizeof(csp),
	    "default-src 'self'; img-src 'self' data: %s; "
	    "script-src 'self'; style-src 'self'; connect-src 'self'; "
	    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
	    tile_origin);
	struct http_config cfg = {
		.listen = listen,
		.routes = app_routes,
		.nroutes = app_nroutes,
		.render_error = app_render_error,
		.app = &app,
		.threads = (unsigned)threads,
		.connection_timeout = (unsigned)timeout,
		.per_ip_limit = 256,
		.connection_limit = 4096,
		.https = https,
		.access_log = true,
		.csp = csp,
	};
	cfg.guard = app_guard;
	/* Made after the signal mask: its heartbeat thread inherits it. */
	app.events = http_events_new();
	cfg.events = app.events;
	server = http_start(&cfg, &e);
	if (server == NULL)
		goto out;
	if (app.base_url == NULL) {
		/* Links in mail point where we listen; the port is known only
		 * now when it was 0. No request has been answered yet: the
		 * address is printed below, after this. */
		char host[256];
		snprintf(host, sizeof(host), "%s", listen);
		char *colon = strrchr(host, ':');
		if (colon)
			*colon = '\0';
		snprintf(own_url, sizeof(own_url), "http://%s:%u", host, http_port(server));
		app.base_url = own_url;
	}
	housekeeping = housekeeping_start(c->db_path, app.base_url, app.mail, &e);
	if (housekeeping == NULL)
		goto out;
	fprintf(stderr, "imago: serving %zu therapists on http://%s (port %u)\n",
	    search_engine_size(app.engine), listen, http_port(server));
	int sig;
	sigwait(&stop, &sig);
	fprintf(stderr, "imago: stopping on signal %d\n", sig);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "imago serve: %s\n", e.message);
	housekeeping_stop(housekeeping);
	http_stop(server);
	http_events_free(app.events);
	if (app.mail)
		mail_worker_stop(app.mail);
	search_engine_close(app.engine);
	vault_close(app.vault);
	return rc;
}
