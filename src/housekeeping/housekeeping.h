/*
 * Periodic work for `serve`, in one background thread: releasing booking
 * holds nobody confirmed, queueing appointment reminders, deleting
 * contact messages never confirmed, deleting the turns of dialogues
 * that ended a day ago and stopping idle ones. Each job is idempotent and keeps its
 * state in the database, so a restart loses nothing and two processes
 * on one database do each job once (the transactions decide).
 */
#ifndef IMAGO_HOUSEKEEPING_H
#define IMAGO_HOUSEKEEPING_H

#include "../mail/mail.h"

#define HOUSEKEEPING_DEFAULT_SECONDS	60

struct housekeeping;

/* Starts the thread; every period seconds (IMAGO_HOUSEKEEPING_SECONDS
 * overrides the default) it runs the jobs and wakes mail when they
 * queued some. NULL with e when no thread could be made. */
struct housekeeping *housekeeping_start(const char *db_path,
	    const char *base_url, struct mail_worker *mail, struct err *e);
void	housekeeping_stop(struct housekeeping *h);
/* One round of every job, now (the thread's body; the CLI's too). */
int	housekeeping_run(sqlite3 *db, const char *base_url, time_t now,
	    struct err *e);

#endif
