/*
 * A cache of resolved places, per database file. People search the same few thousand places
 * over and over ("10001", "Austin, TX"), and resolving one costs several
 * index lookups and label joins, which is most of a search request's
 * time. Entries are keyed by the exact text typed, shared by all threads
 * behind one mutex (held only to copy an entry), replaced on collision,
 * and trusted for PLACE_CACHE_TTL seconds, so a gazetteer re-imported
 * under a running server is seen within that time. Only successes are
 * cached: an unknown place costs a lookup every time, which keeps the
 * cache from filling with typos.
 */
#include "extern.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/mem.h"

#define PLACE_CACHE_SLOTS	4096	/* power of two */
#define PLACE_CACHE_TTL		300	/* seconds */

struct cache_entry {
	uint64_t		 hash;
	time_t			 stored;
	char			 database[512];	/* the file it was resolved in */
	struct place_match	 match;	/* match.query holds the key */
};

static struct cache_entry *slots[PLACE_CACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a: short keys, no adversary gains from collisions but a miss. */
static uint64_t
hash_text(const char *database, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *database; database++)
		h = (h ^ (unsigned char)*database) * 0x100000001b3ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static const char *
database_name(sqlite3 *db)
{
	const char *name = sqlite3_db_filename(db, "main");
	return name ? name : "";
}

int
place_cache_get(sqlite3 *db, const char *text, struct place_match *out)
{
	const char *database = database_name(db);
	uint64_t h = hash_text(database, text);
	int found = 0;
	pthread_mutex_lock(&lock);
	struct cache_entry *c = slots[h & (PLACE_CACHE_SLOTS - 1)];
	if (c && c->hash == h && strcmp(c->match.query, text) == 0 &&
	    strcmp(c->database, database) == 0 &&
	    time(NULL) - c->stored < PLACE_CACHE_TTL) {
		*out = c->match;
		found = 1;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

void
place_cache_put(sqlite3 *db, const char *text, const struct place_match *m)
{
	const char *database = database_name(db);
	if (strlen(text) > PLACE_QUERY_MAX || strlen(database) >= sizeof(((struct cache_entry *)0)->database))
		return;
	uint64_t h = hash_text(database, text);
	struct cache_entry *c = xmalloc(sizeof(*c));
	c->hash = h;
	memcpy(c->database, database, strlen(database) + 1);
	c->stored = time(NULL);
	c->match = *m;
	memcpy(c->match.query, text, strlen(text) + 1);
	pthread_mutex_lock(&lock);
	struct cache_entry **slot = &slots[h & (PLACE_CACHE_SLOTS - 1)];
	struct cache_entry *old = *slot;
	*slot = c;
	pthread_mutex_unlock(&lock);
	free(old);
}

void
place_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < PLACE_CACHE_SLOTS; i++) {
		free(slots[i]);
		slots[i] = NULL;
	}
	pthread_mutex_unlock(&lock);
}
