/* husk list */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "husk.h"
#include "libcontainer/state.h"
#include "libcontainer/utils.h"

static const char usage[] =
    "Usage: husk list [OPTIONS]\n"
    "\n"
    "List the containers under --root.\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json  output format (default table)\n"
    "  -q, --quiet              print the IDs only\n"
    "  -h, --help               print this help\n";

static int print_table(struct hk_state **l, size_t n)
{
  static const char *const head[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  size_t w[5] = {0};
  char pid[16];
  FILE *out = stdout;

  /* Columns as runc's tabwriter lays them out: at least 12 wide, 3 spaces
   * of padding. */
  for (int k = 0; k < 5; k++)
    w[k] = strlen(head[k]);
  for (size_t i = 0; i < n; i++) {
    size_t len[5] = {strlen(l[i]->id), (size_t)snprintf(pid, sizeof(pid), "%d", l[i]->pid),
                     strlen(l[i]->status), strlen(l[i]->bundle ? l[i]->bundle : ""),
                     strlen(l[i]->created ? l[i]->created : "")};
    for (int k = 0; k < 5; k++)
      if (len[k] > w[k])
        w[k] = len[k];
  }
  for (int k = 0; k < 5; k++)
    w[k] = w[k] + 3 < 12 ? 12 : w[k] + 3;
  fprintf(out, "%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2],
          head[2], (int)w[3], head[3], (int)w[4], head[4], head[5]);
  for (size_t i = 0; i < n; i++) {
    snprintf(pid, sizeof(pid), "%d", l[i]->pid);
    fprintf(out, "%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], l[i]->id, (int)w[1], pid, (int)w[2],
            l[i]->status, (int)w[3], l[i]->bundle ? l[i]->bundle : "", (int)w[4],
            l[i]->created ? l[i]->created : "", l[i]->owner ? l[i]->owner : "");
  }
  return fflush(out) == 0 ? 0 : 1;
}

int husk_cmd_list(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {0}};
  const char *format = "table";
  bool quiet = false;
  hk_error_t *err = NULL;
  struct hk_state **l = NULL;
  size_t n = 0;
  int c, r = 0;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'q':
      quiet = true;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("list", argv);
    }
  }
  if (optind != argc)
    return husk_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return husk_usage_error("list", "--format: expected table or json, got \"%s\"", format);
  if (hk_container_list(g->root, &l, &n, &err) < 0)
    return husk_fail(err);
  if (quiet) {
    for (size_t i = 0; i < n; i++)
      printf("%s\n", l[i]->id);
  } else if (strcmp(format, "json") == 0) {
    _cleanup_free_ char *json = NULL;
    size_t len;
    if (hk_state_list_to_json(l, n, &json, &len, &err) < 0)
      r = husk_fail(err);
    else {
      fwrite(json, 1, len, stdout);
      fputc('\n', stdout);
    }
  } else {
    r = print_table(l, n);
  }
  hk_state_list_free(l, n);
  return r;
}
