/* Watching a live container for `husk events`: a statistics tick every
 * interval, out-of-memory notifications from its memory cgroup, and the end
 * of its init process. */
#ifndef HK_EVENTS_H
#define HK_EVENTS_H

#include <stdint.h>

#include "error.h"

struct hk_cgroup;
struct hk_cgroup_stats;
struct hk_events;

enum hk_event_kind {
  HK_EVENT_TICK,    /* the interval elapsed: time to print statistics */
  HK_EVENT_OOM,     /* the memory cgroup ran out of memory */
  HK_EVENT_STOPPED, /* init exited (or the cgroup was removed): stop watching */
};

/* Start watching container `id`, which must not be stopped ("is not
 * running" otherwise).  The first tick comes one interval from now. */
int hk_events_open(const char *root, const char *id, uint64_t interval_ns, struct hk_events **out,
                   hk_error_t **err);

/* Block until the next event.  OOM notifications come before a STOPPED
 * caused by the same kill. */
int hk_events_next(struct hk_events *ev, enum hk_event_kind *kind, hk_error_t **err);

/* The container's cgroup, for hk_cgroup_stats. */
const struct hk_cgroup *hk_events_cgroup(const struct hk_events *ev);

void hk_events_free(struct hk_events *ev);
static inline void hk_events_freep(struct hk_events **ev)
{
  hk_events_free(*ev);
}
#define _cleanup_events_ __attribute__((cleanup(hk_events_freep)))

/* A duration as Go writes it ("5s", "500ms", "1m30s", "1.5h", "2us"): an
 * optional sign, then one or more decimal numbers each followed by a unit
 * (ns, us, µs, ms, s, m, h); "0" alone is zero.  Into nanoseconds. */
int hk_duration_parse(const char *s, int64_t *ns, hk_error_t **err);

#endif
