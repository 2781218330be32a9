/* husk pause and husk resume: a pair, so one file. */
#include "config.h"

#include "husk.h"
#include "libcontainer/container.h"

int husk_simple_args(const char *cmd, const char *help, int argc, char **argv, const char **id);

static const char pause_usage[] = "Usage: husk pause ID\n"
                                  "\n"
                                  "Freeze every process of the container (cgroup freezer).\n";

static const char resume_usage[] = "Usage: husk resume ID\n"
                                   "\n"
                                   "Thaw the processes of a paused container.\n";

static int freeze_cmd(struct husk_global *g, int argc, char **argv, bool pause)
{
  const char *id;
  hk_error_t *err = NULL;
  int r = husk_simple_args(pause ? "pause" : "resume", pause ? pause_usage : resume_usage, argc,
                           argv, &id);

  if (r != 0)
    return r == -2 ? 0 : r;
  r = pause ? hk_container_pause(g->root, id, &err) : hk_container_resume(g->root, id, &err);
  return r < 0 ? husk_fail(err) : 0;
}

int husk_cmd_pause(struct husk_global *g, int argc, char **argv)
{
  return freeze_cmd(g, argc, argv, true);
}

int husk_cmd_resume(struct husk_global *g, int argc, char **argv)
{
  return freeze_cmd(g, argc, argv, false);
}
