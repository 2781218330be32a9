/* husk create */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk.h"
#include "libcontainer/container.h"
#include "libcontainer/utils.h"

static const char usage[] =
    "Usage: husk create [OPTIONS] ID\n"
    "\n"
    "Create a container from an OCI bundle; it waits for 'husk start ID'.\n"
    "\n"
    "Options:\n"
    "  -b, --bundle DIR          the bundle (default: the current directory)\n"
    "  --pid-file FILE           write the init's PID to FILE\n"
    "  --console-socket SOCKET   send the terminal's master fd to this unix socket\n"
    "  --no-pivot                MS_MOVE + chroot instead of pivot_root\n"
    "  --no-new-keyring          keep the caller's session keyring\n"
    "  --preserve-fds N          pass N file descriptors after stdio to the process\n"
    "  --overlay[=DIR]           layer the rootfs: writes go to DIR, or to memory\n"
    "                            and are thrown away (the bundle is never changed)\n"
    "  --layer DIR               a read-only layer above the rootfs (repeatable,\n"
    "                            the first one on top)\n"
    "  -h, --help                print this help\n";

enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_DETACH_,
       OPT_KEEP, OPT_OVERLAY, OPT_LAYER };

static const struct option create_opts[] = {
    {"bundle", required_argument, NULL, 'b'},
    {"pid-file", required_argument, NULL, OPT_PID_FILE},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
    {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"help", no_argument, NULL, 'h'},
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"overlay", optional_argument, NULL, OPT_OVERLAY},
    {"layer", required_argument, NULL, OPT_LAYER},
    {0},
};

/* Paths on the command line are taken from the current directory. */
static char *absolute(const char *path)
{
  _cleanup_free_ char *cwd = NULL;

  if (path[0] == '/')
    return hk_xstrdup(path);
  cwd = getcwd(NULL, 0);
  return cwd ? hk_xasprintf("%s/%s", cwd, path) : hk_xstrdup(path);
}

static int add_layer(const char *cmd, struct hk_create_opts *o, const char *dir)
{
  size_t n = 0;
  char **v = (char **)o->layers;

  if (dir[0] == '\0')
    return husk_usage_error(cmd, "--layer: expected a directory");
  while (v && v[n])
    n++;
  v = hk_xrealloc(v, (n + 2) * sizeof(char *));
  v[n] = absolute(dir);
  v[n + 1] = NULL;
  o->layers = (const char *const *)v;
  return 0;
}

void husk_create_opts_free(struct hk_create_opts *o)
{
  free((char *)o->overlay);
  hk_strv_free((char **)o->layers);
  o->overlay = NULL;
  o->layers = NULL;
}

/* Shared by create and run: `run` also takes -d/--detach and --keep. */
int husk_parse_create(const char *cmd, const char *help, bool is_run, int argc, char **argv,
                      struct hk_create_opts *o)
{
  int c;

  opterr = 0;
  while ((c = getopt_long(argc, argv, is_run ? "+:b:hd" : "+:b:h", create_opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      o->bundle = optarg;
      break;
    case OPT_PID_FILE:
      o->pid_file = optarg;
      break;
    case OPT_CONSOLE:
      o->console_socket = optarg;
      break;
    case OPT_NO_PIVOT:
      o->no_pivot = true;
      break;
    case OPT_NO_KEYRING:
      o->no_new_keyring = true;
      break;
    case OPT_PRESERVE: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 0 || n > 1000000)
        return husk_usage_error(cmd, "--preserve-fds: expected a number, got \"%s\"", optarg);
      o->preserve_fds = n;
      break;
    }
    case 'd':
      if (!is_run)
        return husk_bad_option(cmd, argv);
      o->detach = true;
      break;
    case OPT_KEEP:
      if (!is_run)
        return husk_bad_option(cmd, argv);
      o->keep = true;
      break;
    case OPT_OVERLAY:
      if (optarg && optarg[0] == '\0')
        return husk_usage_error(cmd, "--overlay=: expected a directory (or --overlay alone)");
      free((char *)o->overlay);
      o->overlay = !optarg || strcmp(optarg, "ephemeral") == 0 ? hk_xstrdup("ephemeral")
                                                               : absolute(optarg);
      break;
    case OPT_LAYER:
      if (add_layer(cmd, o, optarg) != 0)
        return 1;
      break;
    case 'h':
      fputs(help, stdout);
      return -2;
    default:
      return husk_bad_option(cmd, argv);
    }
  }
  return husk_one_id(cmd, argc, argv, optind, &o->id);
}

int husk_cmd_create(struct husk_global *g, int argc, char **argv)
{
  struct hk_create_opts o = {
      .root = g->root, .systemd_cgroup = g->systemd_cgroup, .no_cgroup = g->no_cgroup};
  hk_error_t *err = NULL;
  int r = husk_parse_create("create", usage, false, argc, argv, &o);

  if (r == 0 && hk_container_create(&o, &err) < 0)
    r = husk_fail(err);
  husk_create_opts_free(&o);
  return r == -2 ? 0 : r;
}
