/* husk events */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "husk.h"
#include "libcontainer/cgroups.h"
#include "libcontainer/container.h"
#include "libcontainer/events.h"
#include "libcontainer/log.h"
#include "libcontainer/utils.h"
#include "oci-specs/stats.h"

static const char usage[] =
    "Usage: husk events [OPTIONS] ID\n"
    "\n"
    "Print the container's resource usage as JSON lines, one every interval,\n"
    "and {\"type\":\"oom\"} lines when it runs out of memory, until it stops.\n"
    "\n"
    "Options:\n"
    "  --stats             print the statistics once and exit\n"
    "  --interval DURATION time between statistics (default 5s; e.g. 500ms, 1m)\n"
    "  -h, --help          print this help\n";

/* One JSON line on stdout. */
static int print_event(const char *type, const char *id, const struct hk_cgroup_stats *st)
{
  _cleanup_free_ char *json = NULL;
  hk_error_t *err = NULL;
  size_t len;

  if (hk_event_to_json(type, id, st, &json, &len, &err) < 0)
    return husk_fail(err);
  json[len] = '\n'; /* over the terminating NUL, which is not printed */
  if (!husk_print(json, len + 1)) {
    hk_error_make(&err, errno, "events: write to stdout");
    return husk_fail(err);
  }
  return 0;
}

static int print_stats(const struct hk_cgroup *cg, const char *id, bool once)
{
  struct hk_cgroup_stats st;
  hk_error_t *err = NULL;
  int r;

  if (hk_cgroup_stats(cg, &st, &err) < 0) {
    if (once)
      return husk_fail(err);
    /* A passing failure should not end the stream (runc logs it, too). */
    hk_warn("events: statistics of \"%s\": %s", id, err->msg);
    hk_error_free(err);
    return 0;
  }
  r = print_event("stats", id, &st);
  hk_cgroup_stats_clear(&st);
  return r;
}

static int stats_once(const char *root, const char *id)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  struct hk_state *state = NULL;
  hk_error_t *err = NULL;
  bool stopped;

  if (hk_container_cgroup(root, id, &cg, &state, &err) < 0)
    return husk_fail(err);
  stopped = strcmp(state->status, "stopped") == 0;
  hk_state_free(state);
  if (stopped) {
    hk_error_plain(&err, ESRCH, "container \"%s\" is not running", id);
    return husk_fail(err);
  }
  return print_stats(cg, id, true);
}

static int stream(const char *root, const char *id, uint64_t interval_ns)
{
  _cleanup_events_ struct hk_events *ev = NULL;
  hk_error_t *err = NULL;

  if (hk_events_open(root, id, interval_ns, &ev, &err) < 0)
    return husk_fail(err);
  for (;;) {
    enum hk_event_kind kind;
    int r = 0;

    if (hk_events_next(ev, &kind, &err) < 0)
      return husk_fail(err);
    switch (kind) {
    case HK_EVENT_STOPPED:
      return 0;
    case HK_EVENT_OOM:
      r = print_event("oom", id, NULL);
      break;
    case HK_EVENT_TICK:
      r = print_stats(hk_events_cgroup(ev), id, false);
      break;
    }
    if (r != 0)
      return r;
  }
}

int husk_cmd_events(struct husk_global *g, int argc, char **argv)
{
  enum { OPT_STATS = 256, OPT_INTERVAL };
  static const struct option opts[] = {{"stats", no_argument, NULL, OPT_STATS},
                                       {"interval", required_argument, NULL, OPT_INTERVAL},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  const char *interval = "5s", *id;
  hk_error_t *err = NULL;
  bool once = false;
  int64_t ns;
  int c;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_STATS:
      once = true;
      break;
    case OPT_INTERVAL:
      interval = optarg;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("events", argv);
    }
  }
  if (husk_one_id("events", argc, argv, optind, &id) != 0)
    return 1;
  if (hk_duration_parse(interval, &ns, &err) < 0) {
    int r = husk_usage_error("events", "--interval: %s", err->msg);
    hk_error_free(err);
    return r;
  }
  if (ns <= 0)
    return husk_usage_error("events", "--interval: must be greater than 0, got \"%s\"", interval);
  if (once)
    return stats_once(g->root, id);
  return stream(g->root, id, (uint64_t)ns);
}
