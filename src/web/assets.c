/*
 * Static assets: our CSS and JavaScript (static/) and Leaflet's files
 * (from the pinned npm package), read into memory once at start and
 * served from there. Only files present at start exist; a name is never
 * turned into a file path at request time, so no path can escape.
 */
#include "app.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/mem.h"

#define MAX_ASSETS	64
#define MAX_ASSET_SIZE	(4u << 20)

struct asset {
	char		 url[128];	/* "/static/app.js" */
	const char	*type;
	char		*data;
	size_t		 len;
};

static struct asset assets[MAX_ASSETS];
static int nassets;

static const char *
content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".png", "image/png" },
		{ ".svg", "image/svg+xml" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static int
load_file(const char *path, const char *url, struct err *e)
{
	const char *type = content_type(url);
	if (type == NULL || nassets >= MAX_ASSETS)
		return 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return err_internal(e, "cannot read asset %s", path);
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_ASSET_SIZE) {
		fclose(f);
		return err_internal(e, "asset %s is not a regular file under 4 MiB", path);
	}
	struct asset *a = &assets[nassets];
	a->data = xmalloc((size_t)st.st_size + 1);
	a->len = fread(a->data, 1, (size_t)st.st_size, f);
	fclose(f);
	snprintf(a->url, sizeof(a->url), "%s", url);
	a->type = type;
	nassets++;
	return 0;
}

static int
load_dir(const char *dir, const char *url_prefix, struct err *e)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return err_internal(e, "cannot open the asset directory %s", dir);
	struct dirent *ent;
	int rc = 0;
	while (rc == 0 && (ent = readdir(d)) != NULL) {
		if (ent->d_name[0] == '.' || strspn(ent->d_name,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(ent->d_name))
			continue;
		char path[1024], url[128];
		int plen = snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		int ulen = snprintf(url, sizeof(url), "%s/%s", url_prefix, ent->d_name);
		if (plen < 0 || (size_t)plen >= sizeof(path) || ulen < 0 || (size_t)ulen >= sizeof(url))
			continue;	/* a name too long to serve */
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = load_file(path, url, e);
	}
	closedir(d);
	return rc;
}

int
assets_load(struct app *app, struct err *e)
{
	if (load_dir(app->static_dir, "/static", e) < 0)
		return -1;
	char path[1024];
	snprintf(path, sizeof(path), "%s/leaflet.js", app->leaflet_dir);
	if (load_file(path, "/static/leaflet/leaflet.js", e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/leaflet.css", app->leaflet_dir);
	if (load_file(path, "/static/leaflet/leaflet.css", e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/images", app->leaflet_dir);
	return load_dir(path, "/static/leaflet/images", e);
}

int
asset_serve(struct http_request *req, struct http_response *res, struct err *e)
{
	for (int i = 0; i < nassets; i++) {
		if (strcmp(assets[i].url, req->path) != 0)
			continue;
		res->static_body = assets[i].data;
		res->static_len = assets[i].len;
		res->content_type = assets[i].type;
		res->status = 200;
		http_add_header(res, "Cache-Control", "public, max-age=3600");
		return 0;
	}
	return err_set(e, 404, "not_found", NULL, "no such file");
}
