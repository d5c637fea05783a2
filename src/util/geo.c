/* Haversine distance: numerically stable for the short distances we care about. */
#include "geo.h"

#include <math.h>

#define DEG2RAD (M_PI / 180.0)

double
geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	double dlat = (lat2 - lat1) * DEG2RAD;
	double dlon = (lon2 - lon1) * DEG2RAD;
	double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
	double h = s1 * s1 + cos(lat1 * DEG2RAD) * cos(lat2 * DEG2RAD) * s2 * s2;
	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
}

int
geo_valid(double lat, double lon)
{
	return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}
