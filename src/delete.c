/* husk delete */
#include "config.h"

#include <stdio.h>

#include "husk.h"
#include "libcontainer/container.h"

static const char usage[] =
    "Usage: husk delete [OPTIONS] ID\n"
    "\n"
    "Delete a container: its state, and its processes when it was not started.\n"
    "\n"
    "Options:\n"
    "  -f, --force  kill a running container first; an unknown ID is not an error\n"
    "  -h, --help   print this help\n";

int husk_cmd_delete(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
  hk_error_t *err = NULL;
  bool force = false;
  const char *id;
  int c;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      force = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("delete", argv);
    }
  }
  if ((c = husk_one_id("delete", argc, argv, optind, &id)) != 0)
    return c;
  if (hk_container_delete(g->root, id, force, &err) < 0)
    return husk_fail(err);
  return 0;
}
