/*
 * The demo generator. Every profile K gets its own xoshiro256** stream,
 * seeded from (seed, K) through splitmix64, so output depends on nothing
 * else: not on rand(), the clock, N, or the order of writes.
 *
 * Places come from the gazetteer, all ~200k of them loaded once in id
 * order, each weighted by population times a factor for how present Imago
 * is in its country (mostly North America, Europe, Australasia, South
 * Africa), and picked by binary search over the cumulative weights. The
 * point is jittered a few km around the city centre. US and Canadian
 * profiles get a nearby postal code from a grid of the gazetteer's codes.
 *
 * Names, languages and phone numbers follow the country (with the mix of
 * an immigrant society in the English-speaking ones). Every contact detail
 * is reserved for fiction: example.com/.org/.net (RFC 2606), 555-01xx in
 * North America, Ofcom's drama range in the UK, ACMA's in Australia.
 *
 * Each profile goes through therapist_validate like any import, and the
 * whole run is one transaction through the prepared therapist writer.
 */
#include "demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../places/places.h"
#include "../store/db.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/text.h"
#include "import.h"
#include "therapist.h"

#define DEMO_JITTER_KM		5.0
#define DEMO_POSTAL_MAX_KM	20.0
#define DEMO_DEFAULT_WEIGHT	0.2	/* countries not in the table */
#define DEMO_CACHE_KIB		(256 * 1024)
#define KM_PER_DEGREE		111.195

/* ---- Random numbers: splitmix64 seeds xoshiro256** ---- */

struct rng {
	uint64_t	s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t row)
{
	uint64_t x = splitmix64(&seed) ^ (row * 0xd1b54a32d192ed03ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static unsigned
rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(((rng_next(r) >> 32) * n) >> 32);
}

static bool
rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

#define PICK(r, array) ((array)[rng_below((r), sizeof(array) / sizeof((array)[0]))])

/* ---- Names ---- */

enum pool {
	POOL_ANGLO, POOL_HISPANIC, POOL_PORTUGUESE, POOL_GERMAN, POOL_DUTCH,
	POOL_FRENCH, POOL_ITALIAN, POOL_NORDIC, POOL_SLAVIC, POOL_HUNGARIAN,
	POOL_GREEK, POOL_TURKISH, POOL_ARABIC, POOL_HEBREW, POOL_SOUTH_ASIAN,
	POOL_CHINESE, POOL_JAPANESE, POOL_KOREAN, POOL_AFRICAN,
	POOL_COUNT,
	POOL_ANY = POOL_COUNT	/* any of them: an immigrant society */
};

/* Names use letters that fold to ASCII (accents, not ø or ł), since the
 * e-mail addresses are made from their folded forms. */
static const char *const first_anglo[] = {
	"James", "Mary", "Michael", "Jennifer", "David", "Sarah", "Robert",
	"Emily", "Daniel", "Laura", "Christopher", "Rachel", "Matthew",
	"Jessica", "Andrew", "Megan", "Brian", "Amanda", "Kevin", "Rebecca",
	"Thomas", "Elizabeth", "Jonathan", "Katherine", "Susan", "Mark",
	"Linda", "Paul", "Karen", "Steven", "Nancy", "Gregory", NULL };
static const char *const last_anglo[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
	"Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall",
	"Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
	"Nelson", "Campbell", "Mitchell", "O'Brien", "Murphy", "Kelly",
	"Sullivan", "Robinson", "Hughes", NULL };
static const char *const first_hispanic[] = {
	"María", "José", "Carmen", "Juan", "Lucía", "Carlos", "Ana", "Luis",
	"Sofía", "Javier", "Isabel", "Miguel", "Elena", "Alejandro",
	"Gabriela", "Diego", "Valentina", "Andrés", "Paula", "Fernando", NULL };
static const char *const last_hispanic[] = {
	"García", "Rodríguez", "Martínez", "Hernández", "López", "González",
	"Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez",
	"Díaz", "Morales", "Ortiz", "Castillo", "Vargas", "Romero", "Navarro",
	"Reyes", "Cruz", "Mendoza", "Aquino", NULL };
static const char *const first_portuguese[] = {
	"João", "Ana", "Pedro", "Mariana", "Lucas", "Beatriz", "Gabriel",
	"Juliana", "Rafael", "Camila", "Tiago", "Larissa", "Felipe",
	"Fernanda", "Bruno", "Carolina", NULL };
static const char *const last_portuguese[] = {
	"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira",
	"Alves", "Pereira", "Lima", "Gomes", "Costa", "Ribeiro", "Martins",
	"Carvalho", "Almeida", "Lopes", "Conceição", "Araújo", NULL };
static const char *const first_german[] = {
	"Anna", "Lukas", "Katharina", "Jonas", "Julia", "Felix", "Sophie",
	"Maximilian", "Lena", "Tobias", "Johanna", "Sebastian", "Miriam",
	"Stefan", "Claudia", "Matthias", "Jürgen", "Ute", NULL };
static const char *const last_german[] = {
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
	"Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein",
	"Wolf", "Schröder", "Neumann", "Zimmermann", "Krüger", "Weiß",
	"Huber", NULL };
static const char *const first_dutch[] = {
	"Daan", "Emma", "Sem", "Julia", "Lars", "Sanne", "Bram", "Fleur",
	"Thijs", "Lotte", "Ruben", "Anouk", "Jeroen", "Marieke", "Pieter",
	"Eline", NULL };
static const char *const last_dutch[] = {
	"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker",
	"Janssens", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
	"de Groot", "Bos", "Vos", "Peeters", "Maes", "Willems", NULL };
static const char *const first_french[] = {
	"Camille", "Louis", "Chloé", "Hugo", "Léa", "Julien", "Manon",
	"Antoine", "Élodie", "Mathieu", "Inès", "Nicolas", "Aurélie",
	"Guillaume", "Margaux", "Étienne", "Geneviève", "François", NULL };
static const char *const last_french[] = {
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
	"Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel",
	"Garnier", "Fournier", "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard",
	"Gauthier", NULL };
static const char *const first_italian[] = {
	"Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Luca", "Sara",
	"Matteo", "Valentina", "Andrea", "Elena", "Davide", "Federica",
	"Simone", "Martina", "Paolo", NULL };
static const char *const last_italian[] = {
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
	"Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti",
	"De Luca", "Costa", "Giordano", NULL };
static const char *const first_nordic[] = {
	"Astrid", "Erik", "Ingrid", "Lars", "Sigrid", "Anders", "Karin",
	"Magnus", "Freja", "Jonas", "Linnéa", "Mikkel", "Maja", "Henrik",
	"Elin", "Aino", "Mikko", "Sofie", NULL };
static const char *const last_nordic[] = {
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Hansen", "Jensen",
	"Nielsen", "Larsen", "Olsen", "Berg", "Lindqvist", "Virtanen",
	"Korhonen", "Haugen", "Bakke", "Åberg", "Mäkinen", "Lindström", NULL };
static const char *const first_slavic[] = {
	"Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Jakub",
	"Agnieszka", "Pavel", "Natalia", "Dmitri", "Olga", "Ivan", "Jana",
	"Petr", "Marta", "Marek", "Ivana", "Milan", NULL };
static const char *const last_slavic[] = {
	"Nowak", "Novák", "Dvořák", "Svoboda", "Horvat", "Kovačević",
	"Shevchenko", "Kovalenko", "Bondarenko", "Marković", "Jovanović",
	"Petrović", "Novak", "Kovač", "Krajnc", "Babić", "Černý", "Wiśniewski",
	NULL };
static const char *const first_hungarian[] = {
	"Zsófia", "Bence", "Eszter", "Gábor", "Réka", "László", "Katalin",
	"Péter", "Anna", "Máté", NULL };
static const char *const last_hungarian[] = {
	"Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss",
	"Molnár", "Németh", "Farkas", NULL };
static const char *const first_greek[] = {
	"Eleni", "Giorgos", "Maria", "Nikos", "Sofia", "Dimitris", "Katerina",
	"Kostas", "Ioanna", "Yannis", NULL };
static const char *const last_greek[] = {
	"Papadopoulos", "Georgiou", "Nikolaou", "Dimitriou", "Ioannou",
	"Konstantinou", "Pappas", "Vlachos", "Antoniou", "Christodoulou", NULL };
static const char *const first_turkish[] = {
	"Elif", "Mehmet", "Zeynep", "Mustafa", "Ayşe", "Emre", "Selin",
	"Burak", "Deniz", "Can", NULL };
static const char *const last_turkish[] = {
	"Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk",
	"Arslan", "Doğan", "Koç", NULL };
static const char *const first_arabic[] = {
	"Layla", "Omar", "Fatima", "Youssef", "Nour", "Karim", "Amira",
	"Hassan", "Salma", "Tariq", "Rania", "Khalid", NULL };
static const char *const last_arabic[] = {
	"Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Farah", "Hamdan",
	"Aziz", "Rahman", "Qasim", "Jaber", "Darwish", NULL };
static const char *const first_hebrew[] = {
	"Noa", "Yonatan", "Tamar", "Eitan", "Shira", "Avi", "Maya", "Ori",
	"Yael", "Daniel", NULL };
static const char *const last_hebrew[] = {
	"Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "Katz",
	"Shapiro", "Avraham", "Dahan", NULL };
static const char *const first_south_asian[] = {
	"Priya", "Arjun", "Ananya", "Rahul", "Kavya", "Vikram", "Meera",
	"Aditya", "Sunita", "Rohan", "Deepa", "Sanjay", "Aisha", "Imran", NULL };
static const char *const last_south_asian[] = {
	"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair",
	"Desai", "Mehta", "Chopra", "Rao", "Khan", "Joshi", NULL };
static const char *const first_chinese[] = {
	"Wei", "Li Na", "Jun", "Mei", "Hao", "Xin", "Yan", "Lei", "Fang",
	"Jing", "Tao", "Ying", "Grace", "Kevin", NULL };
static const char *const last_chinese[] = {
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu",
	"Zhou", "Lin", "Tan", "Lim", "Ng", NULL };
static const char *const first_japanese[] = {
	"Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota", "Hina", "Kenji",
	"Emi", "Takashi", "Naomi", "Hiroshi", NULL };
static const char *const last_japanese[] = {
	"Satō", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Itō",
	"Yamamoto", "Nakamura", "Kobayashi", "Katō", "Yoshida", "Yamada", NULL };
static const char *const first_korean[] = {
	"Ji-woo", "Min-jun", "Seo-yeon", "Do-yun", "Ha-eun", "Joon-ho",
	"Soo-jin", "Hyun-woo", NULL };
static const char *const last_korean[] = {
	"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang",
	"Lim", NULL };
static const char *const first_african[] = {
	"Chinwe", "Kwame", "Amara", "Oluwaseun", "Nia", "Kofi", "Zanele",
	"Tendai", "Wanjiru", "Sipho", "Ngozi", "Themba", "Abena", "Jabari", NULL };
static const char *const last_african[] = {
	"Okafor", "Mensah", "Adeyemi", "Nkosi", "Mwangi", "Okonkwo", "Boateng",
	"Dlamini", "Otieno", "Eze", "Asante", "Ndlovu", "Banda", "Kamau", NULL };

static const struct {
	const char *const	*first;
	const char *const	*last;
	const char		*lang;	/* a heritage language, or NULL */
} pools[POOL_COUNT] = {
	[POOL_ANGLO] = { first_anglo, last_anglo, NULL },
	[POOL_HISPANIC] = { first_hispanic, last_hispanic, "es" },
	[POOL_PORTUGUESE] = { first_portuguese, last_portuguese, "pt" },
	[POOL_GERMAN] = { first_german, last_german, "de" },
	[POOL_DUTCH] = { first_dutch, last_dutch, "nl" },
	[POOL_FRENCH] = { first_french, last_french, "fr" },
	[POOL_ITALIAN] = { first_italian, last_italian, "it" },
	[POOL_NORDIC] = { first_nordic, last_nordic, NULL },
	[POOL_SLAVIC] = { first_slavic, last_slavic, NULL },
	[POOL_HUNGARIAN] = { first_hungarian, last_hungarian, "hu" },
	[POOL_GREEK] = { first_greek, last_greek, "el" },
	[POOL_TURKISH] = { first_turkish, last_turkish, "tr" },
	[POOL_ARABIC] = { first_arabic, last_arabic, "ar" },
	[POOL_HEBREW] = { first_hebrew, last_hebrew, "he" },
	[POOL_SOUTH_ASIAN] = { first_south_asian, last_south_asian, "hi" },
	[POOL_CHINESE] = { first_chinese, last_chinese, "zh" },
	[POOL_JAPANESE] = { first_japanese, last_japanese, "ja" },
	[POOL_KOREAN] = { first_korean, last_korean, "ko" },
	[POOL_AFRICAN] = { first_african, last_african, NULL },
};

/* A name with its folded ASCII form for addresses ("de Jong" -> "dejong"). */
struct name {
	const char	*text;
	const char	*ascii;
};

struct name_list {
	struct name	*names;
	unsigned	 count;
};

/* ---- Countries ---- */

struct country_info {
	char		 code[3];
	char		 lang[3];	/* ISO 639-1 */
	enum pool	 pool;
	enum pool	 mix_pool;	/* a second source of names... */
	float		 mix;		/* ...used this often */
	float		 weight;	/* how present Imago is, per inhabitant */
};

static const struct country_info countries[] = {
	{ "AE", "ar", POOL_ARABIC, POOL_SOUTH_ASIAN, 0.4f, 1.0f },
	{ "AR", "es", POOL_HISPANIC, POOL_ITALIAN, 0.2f, 1.5f },
	{ "AT", "de", POOL_GERMAN, POOL_SLAVIC, 0.1f, 3.0f },
	{ "AU", "en", POOL_ANGLO, POOL_ANY, 0.3f, 5.0f },
	{ "BE", "nl", POOL_DUTCH, POOL_FRENCH, 0.2f, 3.0f },
	{ "BG", "bg", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 0.5f },
	{ "BR", "pt", POOL_PORTUGUESE, POOL_ITALIAN, 0.1f, 1.5f },
	{ "CA", "en", POOL_ANGLO, POOL_ANY, 0.3f, 6.0f },
	{ "CH", "de", POOL_GERMAN, POOL_ITALIAN, 0.1f, 3.0f },
	{ "CL", "es", POOL_HISPANIC, POOL_HISPANIC, 0.0f, 1.0f },
	{ "CN", "zh", POOL_CHINESE, POOL_CHINESE, 0.0f, 0.15f },
	{ "CO", "es", POOL_HISPANIC, POOL_HISPANIC, 0.0f, 1.0f },
	{ "CZ", "cs", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 1.0f },
	{ "DE", "de", POOL_GERMAN, POOL_TURKISH, 0.1f, 3.0f },
	{ "DK", "da", POOL_NORDIC, POOL_NORDIC, 0.0f, 2.0f },
	{ "EG", "ar", POOL_ARABIC, POOL_ARABIC, 0.0f, 0.3f },
	{ "ES", "es", POOL_HISPANIC, POOL_HISPANIC, 0.0f, 2.0f },
	{ "FI", "fi", POOL_NORDIC, POOL_NORDIC, 0.0f, 2.0f },
	{ "FR", "fr", POOL_FRENCH, POOL_ARABIC, 0.1f, 2.0f },
	{ "GB", "en", POOL_ANGLO, POOL_ANY, 0.25f, 5.0f },
	{ "GH", "en", POOL_AFRICAN, POOL_AFRICAN, 0.0f, 1.0f },
	{ "GR", "el", POOL_GREEK, POOL_GREEK, 0.0f, 1.0f },
	{ "HK", "zh", POOL_CHINESE, POOL_ANGLO, 0.1f, 2.0f },
	{ "HR", "hr", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 1.0f },
	{ "HU", "hu", POOL_HUNGARIAN, POOL_HUNGARIAN, 0.0f, 1.0f },
	{ "IE", "en", POOL_ANGLO, POOL_ANY, 0.15f, 4.0f },
	{ "IL", "he", POOL_HEBREW, POOL_ARABIC, 0.2f, 3.0f },
	{ "IN", "hi", POOL_SOUTH_ASIAN, POOL_SOUTH_ASIAN, 0.0f, 0.3f },
	{ "IT", "it", POOL_ITALIAN, POOL_ITALIAN, 0.0f, 1.5f },
	{ "JP", "ja", POOL_JAPANESE, POOL_JAPANESE, 0.0f, 0.5f },
	{ "KE", "en", POOL_AFRICAN, POOL_SOUTH_ASIAN, 0.05f, 1.0f },
	{ "KR", "ko", POOL_KOREAN, POOL_KOREAN, 0.0f, 1.0f },
	{ "MX", "es", POOL_HISPANIC, POOL_HISPANIC, 0.0f, 1.5f },
	{ "NG", "en", POOL_AFRICAN, POOL_AFRICAN, 0.0f, 0.5f },
	{ "NL", "nl", POOL_DUTCH, POOL_TURKISH, 0.1f, 6.0f },
	{ "NO", "no", POOL_NORDIC, POOL_NORDIC, 0.0f, 2.0f },
	{ "NZ", "en", POOL_ANGLO, POOL_ANY, 0.25f, 5.0f },
	{ "PE", "es", POOL_HISPANIC, POOL_HISPANIC, 0.0f, 1.0f },
	{ "PH", "en", POOL_HISPANIC, POOL_ANGLO, 0.4f, 1.0f },
	{ "PK", "ur", POOL_SOUTH_ASIAN, POOL_SOUTH_ASIAN, 0.0f, 0.2f },
	{ "PL", "pl", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 1.0f },
	{ "PT", "pt", POOL_PORTUGUESE, POOL_PORTUGUESE, 0.0f, 1.5f },
	{ "RS", "sr", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 0.5f },
	{ "RU", "ru", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 0.5f },
	{ "SA", "ar", POOL_ARABIC, POOL_ARABIC, 0.0f, 0.3f },
	{ "SE", "sv", POOL_NORDIC, POOL_ANY, 0.15f, 2.0f },
	{ "SG", "en", POOL_CHINESE, POOL_SOUTH_ASIAN, 0.2f, 3.0f },
	{ "SI", "sl", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 1.0f },
	{ "SK", "sk", POOL_SLAVIC, POOL_HUNGARIAN, 0.1f, 1.0f },
	{ "TR", "tr", POOL_TURKISH, POOL_TURKISH, 0.0f, 1.0f },
	{ "TW", "zh", POOL_CHINESE, POOL_CHINESE, 0.0f, 1.0f },
	{ "UA", "uk", POOL_SLAVIC, POOL_SLAVIC, 0.0f, 1.0f },
	{ "US", "en", POOL_ANGLO, POOL_ANY, 0.3f, 10.0f },
	{ "ZA", "en", POOL_AFRICAN, POOL_ANGLO, 0.45f, 5.0f },
};

/* Where a region speaks another language than its country's majority. */
static const struct {
	const char	*iso;
	const char	*lang;
	enum pool	 pool;
} region_locales[] = {
	{ "BE-BRU", "fr", POOL_FRENCH }, { "BE-WAL", "fr", POOL_FRENCH },
	{ "CA-QC", "fr", POOL_FRENCH }, { "CH-GE", "fr", POOL_FRENCH },
	{ "CH-JU", "fr", POOL_FRENCH }, { "CH-NE", "fr", POOL_FRENCH },
	{ "CH-TI", "it", POOL_ITALIAN }, { "CH-VD", "fr", POOL_FRENCH },
	{ "CH-VS", "fr", POOL_FRENCH },
};

static const struct {
	const char	*code;
	const char	*name;
} language_names[] = {
	{ "ar", "Arabic" }, { "bg", "Bulgarian" }, { "cs", "Czech" },
	{ "da", "Danish" }, { "de", "German" }, { "el", "Greek" },
	{ "en", "English" }, { "es", "Spanish" }, { "fi", "Finnish" },
	{ "fr", "French" }, { "he", "Hebrew" }, { "hi", "Hindi" },
	{ "hr", "Croatian" }, { "hu", "Hungarian" }, { "it", "Italian" },
	{ "ja", "Japanese" }, { "ko", "Korean" }, { "nl", "Dutch" },
	{ "no", "Norwegian" }, { "pl", "Polish" }, { "pt", "Portuguese" },
	{ "ru", "Russian" }, { "sk", "Slovak" }, { "sl", "Slovenian" },
	{ "sr", "Serbian" }, { "sv", "Swedish" }, { "tr", "Turkish" },
	{ "uk", "Ukrainian" }, { "ur", "Urdu" }, { "zh", "Chinese" },
};

static const struct country_info *
country_lookup(const char *code)
{
	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		if (strcmp(countries[i].code, code) == 0)
			return &countries[i];
	return NULL;
}

static const char *
language_name(const char *code)
{
	for (size_t i = 0; i < sizeof(language_names) / sizeof(language_names[0]); i++)
		if (strcmp(language_names[i].code, code) == 0)
			return language_names[i].name;
	return code;
}

/* ---- The loaded gazetteer ---- */

struct demo_place {
	double				 lat, lon;
	const char			*name;
	const char			*region_name;	/* "" if unknown */
	char				 region_iso[8];	/* valid ISO 3166-2, or "" */
	char				 country[3];
	const struct country_info	*info;		/* NULL: not in the table */
};

struct postal_point {
	int		 cell;		/* see grid_cell */
	double		 lat, lon;
	char		 country[3];
	char		 code[8];
};

struct demo {
	struct rng		 rng;
	struct arena		*strings;
	struct demo_place	*places;
	double			*cumulative;	/* running sum of the weights */
	size_t			 nplaces;
	char			(*regions)[8];	/* valid region isos, sorted */
	size_t			 nregions;
	struct postal_point	*postal;	/* sorted by cell */
	size_t			 npostal;
	struct name_list	 first[POOL_COUNT];
	struct name_list	 last[POOL_COUNT];
};

/* "US-NY", "GB-ENG", "FR-75C": what therapist_validate takes as a region. */
static bool
valid_iso(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || n > 6 || s[2] != '-' || s[0] < 'A' || s[0] > 'Z' ||
	    s[1] < 'A' || s[1] > 'Z')
		return false;
	for (size_t i = 3; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static const char *
column_string(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static int
load_places(struct demo *d, sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT p.name, p.country, p.lat, p.lon, p.population, r.iso, r.name"
	    " FROM places p LEFT JOIN regions r"
	    " ON r.country = p.country AND r.admin1 = p.admin1"
	    " ORDER BY p.id", e);
	if (st == NULL)
		return -1;
	size_t cap = 0;
	double total = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->nplaces == cap) {
			cap = cap ? cap * 2 : 65536;
			d->places = xrealloc(d->places, cap * sizeof(*d->places));
			d->cumulative = xrealloc(d->cumulative, cap * sizeof(*d->cumulative));
		}
		struct demo_place *p = &d->places[d->nplaces];
		const char *country = column_string(st, 1);
		const char *iso = column_string(st, 5);
		if (strlen(country) != 2)
			continue;
		p->name = arena_strdup(d->strings, column_string(st, 0));
		memcpy(p->country, country, 3);
		p->lat = sqlite3_column_double(st, 2);
		p->lon = sqlite3_column_double(st, 3);
		snprintf(p->region_iso, sizeof(p->region_iso), "%s",
		    valid_iso(iso) && strncmp(iso, country, 2) == 0 ? iso : "");
		p->region_name = arena_strdup(d->strings, column_string(st, 6));
		p->info = country_lookup(country);
		double weight = p->info ? p->info->weight : DEMO_DEFAULT_WEIGHT;
		total += weight * (double)sqlite3_column_int64(st, 4);
		d->cumulative[d->nplaces++] = total;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "loading places");
	if (d->nplaces == 0 || total <= 0)
		return err_set(e, 409, "no_gazetteer", NULL,
		    "the gazetteer has no populated places: run `imago gazetteer import`");
	return 0;
}

static int
load_regions(struct demo *d, sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT DISTINCT iso FROM regions WHERE iso IS NOT NULL ORDER BY iso", e);
	if (st == NULL)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *iso = column_string(st, 0);
		if (!valid_iso(iso))
			continue;
		if (d->nregions == cap) {
			cap = cap ? cap * 2 : 1024;
			d->regions = xrealloc(d->regions, cap * sizeof(*d->regions));
		}
		snprintf(d->regions[d->nregions++], sizeof(d->regions[0]), "%s", iso);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, e, "loading regions");
}

/* Postal codes are bucketed in cells of 1/5 degree (about 22 km north to
 * south); the nearest is looked for in a point's cell and its eight
 * neighbours. */
#define GRID_PER_DEGREE	5

static int
grid_cell(double lat, double lon)
{
	return (int)floor((lat + 90) * GRID_PER_DEGREE) * 360 * GRID_PER_DEGREE +
	    (int)floor((lon + 180) * GRID_PER_DEGREE);
}

static int
compare_postal(const void *a, const void *b)
{
	const struct postal_point *x = a, *y = b;
	if (x->cell != y->cell)
		return x->cell < y->cell ? -1 : 1;
	return strcmp(x->code, y->code);
}

static int
load_postal_codes(struct demo *d, sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db,
	    "SELECT country, code, lat, lon FROM postal_codes ORDER BY country, code", e);
	if (st == NULL)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->npostal == cap) {
			cap = cap ? cap * 2 : 4096;
			d->postal = xrealloc(d->postal, cap * sizeof(*d->postal));
		}
		struct postal_point *p = &d->postal[d->npostal++];
		snprintf(p->country, sizeof(p->country), "%s", column_string(st, 0));
		snprintf(p->code, sizeof(p->code), "%s", column_string(st, 1));
		p->lat = sqlite3_column_double(st, 2);
		p->lon = sqlite3_column_double(st, 3);
		p->cell = grid_cell(p->lat, p->lon);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, e, "loading postal codes");
	if (d->npostal)
		qsort(d->postal, d->npostal, sizeof(*d->postal), compare_postal);
	return 0;
}

/* Folds every name once, for the e-mail addresses. */
static void
load_names(struct demo *d)
{
	struct buf b = BUF_INIT;
	for (int p = 0; p < POOL_COUNT; p++) {
		const char *const *lists[2] = { pools[p].first, pools[p].last };
		struct name_list *out[2] = { &d->first[p], &d->last[p] };
		for (int k = 0; k < 2; k++) {
			unsigned n = 0;
			while (lists[k][n])
				n++;
			out[k]->names = arena_alloc(d->strings, n * sizeof(struct name));
			out[k]->count = n;
			for (unsigned i = 0; i < n; i++) {
				buf_reset(&b);
				text_fold(&b, lists[k][i], strlen(lists[k][i]));
				char *ascii = arena_strdup(d->strings, buf_cstr(&b));
				char *w = ascii;
				for (const char *r = ascii; *r; r++)
					if ((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9'))
						*w++ = *r;
				*w = '\0';
				out[k]->names[i].text = lists[k][i];
				out[k]->names[i].ascii = ascii;
			}
		}
	}
	buf_free(&b);
}

static void
demo_free(struct demo *d)
{
	free(d->places);
	free(d->cumulative);
	free(d->regions);
	free(d->postal);
	arena_free(d->strings);
}

/* ---- One profile ---- */

static const struct demo_place *
pick_place(struct demo *d)
{
	double x = rng_unit(&d->rng) * d->cumulative[d->nplaces - 1];
	size_t lo = 0, hi = d->nplaces - 1;
	while (lo < hi) {	/* the first place whose running sum exceeds x */
		size_t mid = lo + (hi - lo) / 2;
		if (d->cumulative[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return &d->places[lo];
}

/* A point up to DEMO_JITTER_KM from the place, uniform over the disc.
 * Near a pole it steps back rather than over the pole; longitude wraps
 * at the antimeridian. Rounded to 1e-5 degrees (about a metre). */
static void
jitter(struct rng *r, const struct demo_place *p, double *lat, double *lon)
{
	double dist = DEMO_JITTER_KM * sqrt(rng_unit(r));
	double bearing = 2 * M_PI * rng_unit(r);
	double dlat = dist * cos(bearing) / KM_PER_DEGREE;
	double coslat = cos(p->lat * M_PI / 180);
	double dlon = dist * sin(bearing) / (KM_PER_DEGREE * (coslat < 0.01 ? 0.01 : coslat));
	double y = p->lat + dlat, x = p->lon + dlon;
	if (y > 90 || y < -90)
		y = p->lat - dlat;
	if (x > 180)
		x -= 360;
	else if (x < -180)
		x += 360;
	*lat = round(y * 1e5) / 1e5;
	*lon = round(x * 1e5) / 1e5;
	if (*lon > 180 || *lon < -180)	/* rounding at the edge */
		*lon = *lon > 0 ? 180 : -180;
}

/* The nearest US ZIP or Canadian FSA within DEMO_POSTAL_MAX_KM (looking
 * in the neighbouring grid cells only), or "". */
static const char *
nearest_postal(const struct demo *d, const char *country, double lat, double lon)
{
	const struct postal_point *best = NULL;
	double best_km = DEMO_POSTAL_MAX_KM;
	double coslat = cos(lat * M_PI / 180);
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++) {
			int cell = grid_cell(lat + (double)dy / GRID_PER_DEGREE,
			    lon + (double)dx / GRID_PER_DEGREE);
			size_t lo = 0, hi = d->npostal;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (d->postal[mid].cell < cell)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t i = lo; i < d->npostal && d->postal[i].cell == cell; i++) {
				const struct postal_point *p = &d->postal[i];
				if (strcmp(p->country, country) != 0)
					continue;
				double ky = (p->lat - lat) * KM_PER_DEGREE;
				double kx = (p->lon - lon) * KM_PER_DEGREE * coslat;
				double km = sqrt(kx * kx + ky * ky);
				if (km < best_km) {
					best_km = km;
					best = p;
				}
			}
		}
	return best ? best->code : "";
}

/* Another region of the same country, or NULL. */
static const char *
other_region(struct demo *d, const char *country, const char *not)
{
	size_t lo = 0, hi = d->nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(d->regions[mid], country, 2) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t first = lo, end = lo;
	while (end < d->nregions && strncmp(d->regions[end], country, 2) == 0)
		end++;
	if (end - first < 2)
		return NULL;
	const char *r = d->regions[first + rng_below(&d->rng, (unsigned)(end - first))];
	return strcmp(r, not) == 0 ? NULL : r;
}

struct locale {
	const char	*lang;
	enum pool	 pool;
};

static struct locale
locale_of(struct demo *d, const struct demo_place *p)
{
	struct locale l = { "en", POOL_ANY };
	if (p->info) {
		l.lang = p->info->lang;
		l.pool = rng_chance(&d->rng, p->info->mix) ? p->info->mix_pool : p->info->pool;
	}
	for (size_t i = 0; i < sizeof(region_locales) / sizeof(region_locales[0]); i++)
		if (strcmp(region_locales[i].iso, p->region_iso) == 0 &&
		    rng_chance(&d->rng, 0.8)) {
			l.lang = region_locales[i].lang;
			l.pool = region_locales[i].pool;
		}
	if (l.pool == POOL_ANY)
		l.pool = (enum pool)rng_below(&d->rng, POOL_COUNT);
	return l;
}

/* Primary language, then sometimes a heritage language or English. */
static const char *
languages_of(struct demo *d, const struct locale *l, struct arena *a,
    const char **second)
{
	const char *heritage = pools[l->pool].lang;
	*second = NULL;
	if (heritage && strcmp(heritage, l->lang) != 0 && rng_chance(&d->rng, 0.5))
		*second = heritage;
	else if (strcmp(l->lang, "en") != 0 && rng_chance(&d->rng, 0.35))
		*second = "en";
	else if (strcmp(l->lang, "en") == 0 && rng_chance(&d->rng, 0.06))
		*second = rng_chance(&d->rng, 0.6) ? "es" : "fr";
	return *second ? arena_printf(a, "%s;%s", l->lang, *second) : l->lang;
}

static const char *
phone_of(struct demo *d, const char *country, struct arena *a)
{
	struct rng *r = &d->rng;
	if (strcmp(country, "US") == 0 || strcmp(country, "CA") == 0)
		return arena_printf(a, "+1 %u-555-01%02u", 201 + rng_below(r, 789),
		    rng_below(r, 100));
	if (strcmp(country, "GB") == 0)
		return arena_printf(a, "+44 20 7946 0%03u", rng_below(r, 1000));
	if (strcmp(country, "AU") == 0)
		return arena_printf(a, "+61 2 5550 %04u", rng_below(r, 10000));
	return "";
}

static uint32_t
pick_certifications(struct demo *d, bool facilitator)
{
	struct rng *r = &d->rng;
	if (facilitator)
		return 1u << CERT_IMAGO_FACILITATOR;
	uint32_t bits = 1u << CERT_CERTIFIED_IMAGO_THERAPIST;
	if (rng_chance(r, 0.20))
		bits |= 1u << CERT_ADVANCED_CLINICIAN;
	if (rng_chance(r, 0.12))
		bits |= 1u << CERT_WORKSHOP_PRESENTER;
	if (rng_chance(r, 0.06))
		bits |= 1u << CERT_SUPERVISOR;
	if (rng_chance(r, 0.03))
		bits |= 1u << CERT_CLINICAL_INSTRUCTOR;
	return bits;
}

/* 1 to 4 specialties; the first one drawn is the profile's focus. */
static uint32_t
pick_specialties(struct demo *d, bool facilitator, int *focus)
{
	struct rng *r = &d->rng;
	uint32_t bits = 0;
	int n = 1 + (int)rng_below(r, 4);
	*focus = facilitator ? SPEC_WORKSHOPS : (int)rng_below(r, SPEC_COUNT);
	bits |= 1u << *focus;
	for (int i = 1; i < n; i++)
		bits |= 1u << rng_below(r, SPEC_COUNT);
	return bits;
}

static const char *const credentials_na[] = {
	"LMFT", "LCSW", "LPC", "LMHC", "PhD", "PsyD", "MD", "MA, LPC",
	"MSW, LCSW", "PhD, LMFT", "PsyD, LMFT", "MA, LMFT", "LPCC", "EdD, LPC",
};
static const char *const credentials_intl[] = {
	"MA", "MSc", "PhD", "MD", "MA Psychotherapy", "MSc Counselling",
	"PsyD", "MSW", "MA, MFT", "MA, Registered Psychotherapist",
};

static const char *const focus_sentences[SPEC_COUNT] = {
	[SPEC_RELATIONSHIP_ENHANCEMENT] = "Helps good relationships become great ones.",
	[SPEC_PREMARITAL] = "Works with couples preparing for marriage.",
	[SPEC_CRISIS_INFIDELITY] = "Supports couples recovering from an affair or a crisis.",
	[SPEC_REPETITIVE_CONFLICT] = "Helps partners step out of the same old fight.",
	[SPEC_INDIVIDUAL_GROWTH] = "Also sees individuals who want to understand their patterns.",
	[SPEC_DIVORCE_SEPARATION] = "Accompanies couples through separation with care.",
	[SPEC_BLENDED_FAMILIES] = "Has a particular interest in blended families.",
	[SPEC_LGBTQ] = "Welcomes LGBTQ+ couples.",
	[SPEC_WORKSHOPS] = "Leads *Getting the Love You Want* weekend workshops.",
};

static const char *const approaches[] = {
	"Sessions follow the **Imago Dialogue**: mirroring, validation and"
	" empathy, so that each partner feels heard.",
	"I help partners turn conflict into connection with the **Imago"
	" Dialogue** and *behaviour change requests*.",
	"We slow down, listen and get curious. The **Imago Dialogue** gives"
	" you a safe way to talk about what matters.",
	"Frustrations are invitations to heal. **Imago** tools make that"
	" practical, one conversation at a time.",
};

static const char *
bio_of(struct demo *d, const struct therapist *t, const char *first,
    int focus, const char *languages_text, struct arena *a)
{
	const char *where = t->formats == (1u << FORMAT_ONLINE) ? "online" :
	    t->formats == (1u << FORMAT_IN_PERSON) ? "in person" :
	    "in person and online";
	const char *role = t->certifications == (1u << CERT_IMAGO_FACILITATOR) ?
	    "an Imago workshop facilitator" : "a couples therapist";
	const char *intro;
	int years = t->years_experience;
	switch (rng_below(&d->rng, 4)) {
	case 0:
		intro = arena_printf(a, "%s has worked with couples in %s for %d year%s.",
		    first, t->city, t->years_experience, years > 1 ? "s" : "");
		break;
	case 1:
		intro = arena_printf(a, "Based in %s, %s has helped couples for %d year%s.",
		    t->city, first, t->years_experience, years > 1 ? "s" : "");
		break;
	case 2:
		intro = arena_printf(a, "%s is %s in %s with %d year%s of practice.",
		    first, role, t->city, t->years_experience, years > 1 ? "s" : "");
		break;
	default:
		intro = arena_printf(a, "For %d year%s %s has walked alongside couples in %s.",
		    t->years_experience, years > 1 ? "s" : "", first, t->city);
		break;
	}
	return arena_printf(a, "%s %s\n\nSessions in %s, %s.", intro,
	    focus_sentences[focus], languages_text, where);
}

static void
contact_of(struct demo *d, struct therapist *t, const struct name *first,
    const struct name *last, struct arena *a)
{
	static const char *const tlds[] = { "com", "org", "net" };
	t->phone = phone_of(d, t->country, a);
	t->email = arena_printf(a, "%s.%s@example.%s", first->ascii, last->ascii,
	    PICK(&d->rng, tlds));
	if (rng_chance(&d->rng, 0.4))
		t->website = arena_printf(a, "https://example.com/%s-%s", first->ascii,
		    last->ascii);
	else if (rng_chance(&d->rng, 0.4))
		t->website = arena_printf(a, "https://%s-couples.example.org/", last->ascii);
}

static void
fees_of(struct demo *d, struct therapist *t)
{
	struct rng *r = &d->rng;
	t->accepting_new_clients = rng_chance(r, 0.7);
	t->sliding_scale = rng_chance(r, 0.3);
	if (rng_chance(r, 0.05))
		return;		/* fees not published */
	t->fee_min = 80 + 10 * (int)rng_below(r, 13);		/* 80..200 */
	t->fee_max = t->fee_min + 10 * (int)rng_below(r, 9);
	if (t->fee_max > 250)
		t->fee_max = 250;
}

static void
license_of(struct demo *d, struct therapist *t, const struct demo_place *p,
    bool facilitator, struct arena *a)
{
	struct rng *r = &d->rng;
	const char *primary = *p->region_iso ? p->region_iso : p->country;
	if (facilitator) {
		t->credentials = "";
		return;
	}
	bool na = strcmp(p->country, "US") == 0 || strcmp(p->country, "CA") == 0;
	t->credentials = na ? PICK(r, credentials_na) : PICK(r, credentials_intl);
	if (rng_chance(r, 0.8))
		t->license_number = arena_printf(a, "%s-%05u", na ? "LIC" : "REG",
		    rng_below(r, 100000));
	const char *second = rng_chance(r, 0.15) && *p->region_iso ?
	    other_region(d, p->country, primary) : NULL;
	t->license_regions = second ? arena_printf(a, "%s;%s", primary, second) : primary;
}

static void
make_profile(struct demo *d, uint64_t seed, long long k, struct arena *a,
    struct therapist *t)
{
	struct rng *r = &d->rng;
	rng_seed(r, seed, (uint64_t)k);
	therapist_init(t);
	t->external_id = arena_printf(a, "demo-%06lld", k);

	const struct demo_place *p = pick_place(d);
	jitter(r, p, &t->lat, &t->lon);
	t->has_location = true;
	t->city = p->name;
	t->region = p->region_name;
	t->country = p->country;
	if (strcmp(p->country, "US") == 0 || strcmp(p->country, "CA") == 0)
		t->postal_code = nearest_postal(d, p->country, t->lat, t->lon);

	struct locale l = locale_of(d, p);
	const struct name *first = &d->first[l.pool].names[rng_below(r, d->first[l.pool].count)];
	const struct name *last = &d->last[l.pool].names[rng_below(r, d->last[l.pool].count)];
	t->name = arena_printf(a, "%s %s", first->text, last->text);

	bool facilitator = rng_chance(r, 0.05);
	t->certifications = pick_certifications(d, facilitator);
	int focus;
	t->specialties = pick_specialties(d, facilitator, &focus);
	double f = rng_unit(r);
	t->formats = f < 0.45 ? (1u << FORMAT_IN_PERSON) | (1u << FORMAT_ONLINE) :
	    f < 0.75 ? 1u << FORMAT_IN_PERSON : 1u << FORMAT_ONLINE;
	const char *second;
	t->languages = languages_of(d, &l, a, &second);
	const char *languages_text = second ? arena_printf(a, "%s and %s",
	    language_name(l.lang), language_name(second)) : language_name(l.lang);
	t->years_experience = 1 + (int)rng_below(r, facilitator ? 20 : 40);
	fees_of(d, t);
	license_of(d, t, p, facilitator, a);
	contact_of(d, t, first, last, a);
	t->bio = bio_of(d, t, first->text, focus, languages_text, a);
	t->approach = facilitator ? "As an *Imago facilitator* (not a licensed"
	    " therapist) I teach the **Imago Dialogue** in workshops and classes." :
	    PICK(r, approaches);
	t->verified = rng_chance(r, 0.6);
	if (t->verified)
		t->verified_at = arena_printf(a, "%d-%02u-%02uT%02u:%02u:00Z",
		    2023 + (int)rng_below(r, 3), 1 + rng_below(r, 12),
		    1 + rng_below(r, 28), 8 + rng_below(r, 10), rng_below(r, 60));
}

/* ---- The run ---- */

static int
write_profiles(struct demo *d, sqlite3 *db, const struct demo_options *opt,
    struct err *e)
{
	struct import_bulk bulk;
	struct therapist_writer *w = therapist_writer_open(db, e);
	if (w == NULL || import_bulk_begin(&bulk, db, e) < 0) {
		therapist_writer_close(w);
		return -1;
	}
	struct import_progress progress;
	import_progress_start(&progress, opt->progress, "generating",
	    (unsigned long long)opt->count);
	int rc = 0;
	for (long long k = 1; k <= opt->count && rc == 0; k++) {
		if (k % 1024 == 1 && (rc = import_bulk_consider(&bulk, k - 1,
		    opt->count - k + 1, e)) < 0)
			break;
		struct arena *a = arena_new();
		struct therapist t;
		make_profile(d, opt->seed, k, a, &t);
		if (therapist_validate(&t, a, e) < 0) {
			/* A bug in the generator, not bad input. */
			char msg[sizeof(e->message)];
			snprintf(msg, sizeof(msg), "%s", e->message);
			rc = err_internal(e, "demo profile %lld is invalid: %s", k, msg);
		} else
			rc = therapist_writer_put(w, &t, e) < 0 ? -1 : 0;
		arena_free(a);
		import_progress_update(&progress, (unsigned long long)k,
		    (unsigned long long)k);
	}
	if (rc == 0 && bulk.active && progress.enabled) {
		import_progress_clear(&progress);
		fputs("updating the search index...", stderr);
		progress.drawn = true;
	}
	if (rc == 0)
		rc = import_bulk_finish(&bulk, e);
	if (rc == 0)
		import_progress_finish(&progress);
	else
		import_progress_clear(&progress);
	therapist_writer_close(w);
	import_bulk_free(&bulk);
	return rc;
}

int
demo_generate(sqlite3 *db, const struct demo_options *opt,
    struct demo_result *res, struct err *e)
{
	memset(res, 0, sizeof(*res));
	if (opt->count < 0 || opt->count > DEMO_MAX)
		return err_invalid(e, "therapists", "the number of therapists must be"
		    " from 0 to %d", DEMO_MAX);
	if (!place_gazetteer_loaded(db))
		return err_set(e, 409, "no_gazetteer", NULL, "the gazetteer is not"
		    " imported: run `imago gazetteer import` first");

	struct demo d;
	memset(&d, 0, sizeof(d));
	d.strings = arena_new();
	int ret = -1;
	if (load_places(&d, db, e) < 0 || load_regions(&d, db, e) < 0 ||
	    load_postal_codes(&d, db, e) < 0)
		goto out;
	load_names(&d);

	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = %d", -DEMO_CACHE_KIB);
	if (db_exec(db, pragma, e) < 0 || db_exec(db, "BEGIN IMMEDIATE", e) < 0)
		goto out;
	long long before = therapist_count(db);
	if (write_profiles(&d, db, opt, e) < 0 || db_exec(db, "COMMIT", e) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	res->inserted = therapist_count(db) - before;
	res->updated = opt->count - res->inserted;
	ret = 0;
out:
	demo_free(&d);
	return ret;
}
