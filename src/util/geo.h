/* Great-circle geometry on a sphere of the mean Earth radius. */
#ifndef IMAGO_GEO_H
#define IMAGO_GEO_H

/* IUGG mean radius, the figure the directory's distances are defined by. */
#define GEO_EARTH_RADIUS_KM 6371.0088
#define GEO_KM_PER_MILE 1.609344

/* Haversine distance in kilometres between two points in degrees. */
double	geo_distance_km(double lat1, double lon1, double lat2, double lon2);
/* True when lat is in [-90, 90] and lon in [-180, 180]. */
int	geo_valid(double lat, double lon);

#endif
