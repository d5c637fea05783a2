/*
 * The in-memory index behind the search engine (private to the directory
 * module). Built from the therapists table in one read transaction; never
 * modified afterwards, so any number of threads read it without locks.
 */
#ifndef IMAGO_SEARCH_INDEX_H
#define IMAGO_SEARCH_INDEX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "../util/err.h"

/* A 0.1-degree grid (about 11 x 8 km at 40 degrees north): fine enough
 * that the ring of cells a 40 km circle cuts through holds few points;
 * the cell table costs 26 MB. */
#define GRID_DEG	0.1
#define GRID_ROWS	1800
#define GRID_COLS	3600
#define GRID_CELLS	(GRID_ROWS * GRID_COLS)

/* Filter bits of struct index_hot.bits. */
#define BIT_SPEC(i)	(1u << (i))		/* 9 specialties */
#define BIT_FORMAT(i)	(1u << (9 + (i)))	/* 2 formats */
#define CERT_SHIFT	11			/* 6 certifications */
#define BIT_ACCEPTING	(1u << 17)
#define BIT_SLIDING	(1u << 18)
#define BIT_VERIFIED	(1u << 19)
#define BIT_LOCATED	(1u << 20)

#define LANG_OTHER_BIT	63	/* "speaks a language outside the top 63" */

/* What the distance scan touches, kept small and contiguous: 40 bytes. */
struct index_hot {
	double		x, y, z;	/* unit vector of (lat, lon) */
	uint64_t	langs;		/* bit per frequent language */
	uint32_t	bits;
	int32_t		fee_min;	/* -1 unknown */
};

/* What a result row shows; strings are offsets into the pool. */
struct index_cold {
	int64_t		id;
	double		lat, lon;
	int32_t		fee_max;
	uint32_t	name, credentials, city, region, postal_code, country, languages;
};

/* Cells with at least this many entries are "crowded": the search works
 * out their distance bounds, and the index keeps, per filter bit, how
 * many of their entries have it, so a one-filter search can count a cell
 * that lies wholly inside the circle without looking at its entries. */
#define INDEX_CROWDED_MIN	16
#define INDEX_BITS		21	/* bits of struct index_hot.bits */

struct cell_counts {
	uint32_t	cell;
	uint32_t	count[INDEX_BITS];
};

struct license_list {
	uint32_t	 code;		/* pool offset: "US-NY" or "US" */
	uint32_t	 count;
	uint32_t	*indices;	/* ascending entry indices (online only) */
};

struct search_snapshot {
	atomic_int		 refs;
	long long		 version;	/* meta.therapists_version */
	size_t			 n;		/* entries */
	size_t			 nlocated;	/* [0, nlocated) are in the grid */
	struct index_hot	*hot;
	struct index_cold	*cold;
	uint32_t		*cell_start;	/* GRID_CELLS + 1 */
	uint32_t		*by_name;	/* entry indices in (name_key, id) order */
	struct { int64_t id; uint32_t index; } *by_id;	/* ascending id */
	char			*pool;
	size_t			 pool_len;
	int8_t			 lang_bit[26 * 26];	/* code -> bit, or -1 */
	struct license_list	*licenses;	/* ascending by code */
	size_t			 nlicenses;
	struct cell_counts	*crowded;	/* ascending by cell */
	size_t			 ncrowded;
};

struct search_snapshot *index_build(sqlite3 *db, struct err *e);
void	index_free(struct search_snapshot *s);
/* Entry index for a therapist id, or -1. */
long	index_find_id(const struct search_snapshot *s, int64_t id);
const struct license_list *index_licenses(const struct search_snapshot *s, const char *code);
/* The per-bit counts of a crowded cell, or NULL. */
const struct cell_counts *index_cell_counts(const struct search_snapshot *s, uint32_t cell);
static inline const char *
index_str(const struct search_snapshot *s, uint32_t off)
{
	return s->pool + off;
}
/* Grid cell of a point. */
static inline uint32_t
index_cell(double lat, double lon)
{
	int r = (int)((lat + 90.0) / GRID_DEG);
	int c = (int)((lon + 180.0) / GRID_DEG);
	if (r < 0) r = 0;
	if (r >= GRID_ROWS) r = GRID_ROWS - 1;
	if (c < 0) c = 0;
	if (c >= GRID_COLS) c = GRID_COLS - 1;
	return (uint32_t)r * GRID_COLS + (uint32_t)c;
}
/* Language code "en" -> 0..675, or -1. */
static inline int
index_lang_code(const char *s)
{
	if (s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z')
		return -1;
	return (s[0] - 'a') * 26 + (s[1] - 'a');
}

#endif
