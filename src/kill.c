/* husk kill */
#include "config.h"

#include <signal.h>
#include <stdio.h>

#include "husk.h"
#include "libcontainer/container.h"

static const char usage[] =
    "Usage: husk kill [OPTIONS] ID [SIGNAL]\n"
    "\n"
    "Send SIGNAL (default TERM) to the container's init.  SIGNAL is a name\n"
    "(TERM, SIGTERM) or a number (15).\n"
    "\n"
    "Options:\n"
    "  -a, --all    send it to every process of the container\n"
    "  -h, --help   print this help\n";

int husk_cmd_kill(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
  hk_error_t *err = NULL;
  bool all = false;
  int c, signo = SIGTERM;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      all = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("kill", argv);
    }
  }
  if (argc - optind < 1 || argc - optind > 2)
    return husk_usage_error("kill", "expected ID [SIGNAL], got %d arguments", argc - optind);
  if (argc - optind == 2 && hk_signal_parse(argv[optind + 1], &signo, &err) < 0)
    return husk_fail(err);
  if (hk_container_kill(g->root, argv[optind], signo, all, &err) < 0)
    return husk_fail(err);
  return 0;
}
