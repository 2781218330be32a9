/* husk start */
#include "config.h"

#include <stdio.h>

#include "husk.h"
#include "libcontainer/container.h"

static const char usage[] = "Usage: husk start ID\n"
                            "\n"
                            "Start the process of a created container.\n";

int husk_simple_args(const char *cmd, const char *help, int argc, char **argv, const char **id)
{
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(help, stdout);
      return -2;
    }
    return husk_bad_option(cmd, argv);
  }
  return husk_one_id(cmd, argc, argv, optind, id);
}

int husk_cmd_start(struct husk_global *g, int argc, char **argv)
{
  const char *id;
  hk_error_t *err = NULL;
  int r = husk_simple_args("start", usage, argc, argv, &id);

  if (r != 0)
    return r == -2 ? 0 : r;
  if (hk_container_start(g->root, id, &err) < 0)
    return husk_fail(err);
  return 0;
}
