/* husk exec */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "husk.h"
#include "libcontainer/exec.h"
#include "libcontainer/utils.h"

static const char usage[] =
    "Usage: husk exec [OPTIONS] ID [COMMAND [ARGS...]]\n"
    "\n"
    "Run a new process in a running container.  In the foreground husk\n"
    "forwards signals to it and exits with its status.  With --process, the\n"
    "other flags change the process read from FILE.\n"
    "\n"
    "Options:\n"
    "  -p, --process FILE        the process as a process.json (\"-\": stdin)\n"
    "  -e, --env K=V             add an environment variable (repeatable)\n"
    "  --cwd DIR                 working directory in the container\n"
    "  -u, --user UID[:GID]      user and group\n"
    "  -g, --additional-gids G   an additional group (repeatable)\n"
    "  -c, --cap CAP             add a capability to every set (repeatable)\n"
    "  --no-new-privs            set no_new_privs\n"
    "  -t, --tty                 allocate a terminal; without --console-socket husk\n"
    "                            relays it to its own stdin and stdout\n"
    "  --console-socket SOCKET   send the terminal's master fd to this unix socket\n"
    "  -d, --detach              return once the process runs\n"
    "  --pid-file FILE           write the process's PID to FILE\n"
    "  --preserve-fds N          pass N file descriptors after stdio to the process\n"
    "  --process-label L         SELinux label of the process\n"
    "  --apparmor P              AppArmor profile of the process\n"
    "  -h, --help                print this help\n";

enum { OPT_CWD = 256, OPT_NNP, OPT_CONSOLE, OPT_PID_FILE, OPT_PRESERVE, OPT_LABEL, OPT_APPARMOR };

static bool parse_u32(const char *s, uint32_t *out)
{
  char *end;
  unsigned long v;
  if (*s == '\0' || *s == '-')
    return false;
  v = strtoul(s, &end, 10);
  if (*end || v > UINT32_MAX)
    return false;
  *out = v;
  return true;
}

static void push(char ***v, size_t *n, const char *s)
{
  *v = hk_xrealloc(*v, (*n + 2) * sizeof(char *));
  (*v)[(*n)++] = (char *)s;
  (*v)[*n] = NULL;
}

static int parse_user(const char *s, struct hk_exec_opts *o)
{
  _cleanup_free_ char *dup = hk_xstrdup(s);
  char *colon = strchr(dup, ':');
  if (colon)
    *colon++ = '\0';
  if (!parse_u32(dup, &o->uid) || (colon && !parse_u32(colon, &o->gid)))
    return -1;
  o->has_user = true;
  o->has_gid = colon != NULL;
  return 0;
}

int husk_cmd_exec(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"process", required_argument, NULL, 'p'},
      {"env", required_argument, NULL, 'e'},
      {"cwd", required_argument, NULL, OPT_CWD},
      {"user", required_argument, NULL, 'u'},
      {"additional-gids", required_argument, NULL, 'g'},
      {"cap", required_argument, NULL, 'c'},
      {"no-new-privs", no_argument, NULL, OPT_NNP},
      {"tty", no_argument, NULL, 't'},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"process-label", required_argument, NULL, OPT_LABEL},
      {"apparmor", required_argument, NULL, OPT_APPARMOR},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  struct hk_exec_opts o = {.root = g->root};
  _cleanup_free_ char **env = NULL, **caps = NULL;
  _cleanup_free_ uint32_t *gids = NULL;
  size_t nenv = 0, ncaps = 0;
  hk_error_t *err = NULL;
  int c, status = 0;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+:p:e:u:g:c:tdh", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      o.process_file = optarg;
      break;
    case 'e':
      if (strchr(optarg, '=') == NULL)
        return husk_usage_error("exec", "--env: expected K=V, got \"%s\"", optarg);
      push(&env, &nenv, optarg);
      break;
    case OPT_CWD:
      o.cwd = optarg;
      break;
    case 'u':
      if (parse_user(optarg, &o) < 0)
        return husk_usage_error("exec", "--user: expected UID[:GID], got \"%s\"", optarg);
      break;
    case 'g': {
      uint32_t v;
      if (!parse_u32(optarg, &v))
        return husk_usage_error("exec", "--additional-gids: expected a number, got \"%s\"",
                                optarg);
      gids = hk_xrealloc(gids, (o.additional_gids_len + 1) * sizeof(*gids));
      gids[o.additional_gids_len++] = v;
      break;
    }
    case 'c':
      push(&caps, &ncaps, optarg);
      break;
    case OPT_NNP:
      o.no_new_privs = true;
      break;
    case 't':
      o.tty = true;
      break;
    case OPT_CONSOLE:
      o.console_socket = optarg;
      break;
    case 'd':
      o.detach = true;
      break;
    case OPT_PID_FILE:
      o.pid_file = optarg;
      break;
    case OPT_PRESERVE: {
      uint32_t v;
      if (!parse_u32(optarg, &v) || v > 1000000)
        return husk_usage_error("exec", "--preserve-fds: expected a number, got \"%s\"", optarg);
      o.preserve_fds = v;
      break;
    }
    case OPT_LABEL:
      o.process_label = optarg;
      break;
    case OPT_APPARMOR:
      o.apparmor = optarg;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("exec", argv);
    }
  }
  if (optind >= argc)
    return husk_usage_error("exec", "expected a container ID");
  o.id = argv[optind++];
  if (o.process_file && optind < argc)
    return husk_usage_error("exec", "--process and a command exclude each other");
  o.args = optind < argc ? argv + optind : NULL;
  o.env = env;
  o.caps = caps;
  o.additional_gids = gids;
  if (hk_container_exec(&o, &status, &err) < 0) {
    husk_fail(err);
    return status > 1 ? status : 1;
  }
  return status;
}
