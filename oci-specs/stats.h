/* What `husk events` and `husk ps --format json` print, in runc's JSON
 * layout (runc's types/events.go), so that engines reading runc's output
 * read husk's unchanged. */
#ifndef HK_OCI_STATS_H
#define HK_OCI_STATS_H

#include <stddef.h>
#include <sys/types.h>

#include "libcontainer/error.h"

struct hk_cgroup_stats;

/* One event, compact and without a newline: {"type":TYPE,"id":ID}, and
 * "data" with the statistics when st is given (runc's "stats" event). */
int hk_event_to_json(const char *type, const char *id, const struct hk_cgroup_stats *st, char **out,
                     size_t *len, hk_error_t **err);

/* [PID,...] */
int hk_pids_to_json(const pid_t *pids, size_t n, char **out, size_t *len, hk_error_t **err);

#endif
