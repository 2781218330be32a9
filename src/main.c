/* husk: entry point, global options and the command table. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "husk.h"
#include "libcontainer/container.h"
#include "libcontainer/fault.h"
#include "libcontainer/log.h"
#include "libcontainer/selfexe.h"
#include "libcontainer/utils.h"
#include "libcontainer/vm.h"
#include "oci-specs/spec.h"

static const struct husk_command commands[] = {
    {"create", "create a container", husk_cmd_create},
    {"start", "start a created container", husk_cmd_start},
    {"run", "create and start a container", husk_cmd_run},
    {"exec", "run a new process in a running container", husk_cmd_exec},
    {"state", "print the state of a container", husk_cmd_state},
    {"kill", "send a signal to a container's init", husk_cmd_kill},
    {"delete", "delete a container and what it holds", husk_cmd_delete},
    {"pause", "freeze every process of a container", husk_cmd_pause},
    {"resume", "thaw a paused container", husk_cmd_resume},
    {"update", "change the resources of a running container", husk_cmd_update},
    {"ps", "list the processes of a container", husk_cmd_ps},
    {"events", "print a container's resource usage and OOM events", husk_cmd_events},
    {"list", "list containers", husk_cmd_list},
    {"spec", "write a default config.json", husk_cmd_spec},
    {"features", "print what this husk supports (JSON)", husk_cmd_features},
};

static const char usage_head[] =
    "Usage: husk [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n"
    "\n"
    "husk runs OCI bundles as containers (runtime-spec " HK_OCI_VERSION ").\n"
    "\n"
    "Global options:\n"
    "  --root DIR                 state directory (default " HK_DEFAULT_ROOT ")\n"
    "  --log FILE                 write log lines to FILE (default stderr)\n"
    "  --log-format text|json     format of log lines (default text)\n"
    "  --debug                    log debug lines\n"
    "  --systemd-cgroup           manage cgroups through systemd\n"
    "  --cgroup-manager cgroupfs|systemd|disabled\n"
    "                             cgroup manager (disabled: no cgroup at all)\n"
    "  --rootless true|false|auto rootless mode (default auto)\n"
    "  -v, --version              print the version\n"
    "  -h, --help                 print this help\n"
    "\n"
    "Commands:\n";

static void print_usage(FILE *f)
{
  fputs(usage_head, f);
  for (size_t i = 0; i < HK_ARRAY_SIZE(commands); i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\nRun 'husk COMMAND --help' for the options of a command; see husk(8).\n", f);
}

bool husk_print(const char *s, size_t len)
{
  return hk_write_all(1, s, len) >= 0;
}

int husk_fail(hk_error_t *err)
{
  const char *msg = err && err->msg ? err->msg : "unknown error";
  hk_log(HK_LOG_ERROR, "%s", msg);
  /* With --log FILE the engine reads the file; a person reads stderr. */
  if (hk_log_fd() != 2) {
    fprintf(stderr, "husk: %s\n", msg);
  }
  hk_error_free(err);
  return 1;
}

int husk_usage_error(const char *cmd, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  hk_error_t *err = NULL;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (cmd)
    hk_error_make(&err, 0, "%s: %s (see 'husk %s --help')", cmd, msg, cmd);
  else
    hk_error_make(&err, 0, "%s (see 'husk --help')", msg);
  return husk_fail(err);
}

int husk_bad_option(const char *cmd, char **argv)
{
  const char *arg = argv[optind - 1];
  if (optopt && strchr("bpd", optopt) == NULL && arg[0] == '-' && arg[1] != '-')
    return husk_usage_error(cmd, "unknown option `-%c`", optopt);
  return husk_usage_error(cmd, "unknown option or missing value: `%s`", arg);
}

int husk_one_id(const char *cmd, int argc, char **argv, int optind_, const char **id)
{
  if (argc - optind_ != 1)
    return husk_usage_error(cmd, "expected exactly one container ID, got %d arguments",
                            argc - optind_);
  *id = argv[optind_];
  return 0;
}

static int open_log(struct husk_global *g)
{
  int fd = -1;
  bool json = false;

  if (g->log_format) {
    if (strcmp(g->log_format, "json") == 0)
      json = true;
    else if (strcmp(g->log_format, "text") != 0) {
      fprintf(stderr, "husk: --log-format: unknown format \"%s\" (text or json)\n",
              g->log_format);
      return -1;
    }
  }
  if (g->log && g->log[0]) {
    fd = open(g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      fprintf(stderr, "husk: --log: open `%s`: %s\n", g->log, strerror(errno));
      return -1;
    }
  }
  hk_log_init(fd, json, g->debug);
  return 0;
}

enum {
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD,
  OPT_CGROUP_MANAGER,
  OPT_ROOTLESS,
  OPT_CRIU
};

/* crun's --cgroup-manager, which Podman passes (as "disabled") to the
 * runtimes listed in runtime_supports_nocgroup for --cgroups=disabled. */
static int cgroup_manager(struct husk_global *g, const char *v)
{
  g->systemd_cgroup = strcmp(v, "systemd") == 0;
  g->no_cgroup = strcmp(v, "disabled") == 0;
  if (g->systemd_cgroup || g->no_cgroup || strcmp(v, "cgroupfs") == 0)
    return 0;
  fprintf(stderr, "husk: --cgroup-manager: expected cgroupfs, systemd or disabled, got \"%s\"\n",
          v);
  return -1;
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
      {"cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"criu", required_argument, NULL, OPT_CRIU},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  struct husk_global g = {.root = HK_DEFAULT_ROOT};
  char **orig_argv = argv;
  int c;

  {
    /* husk-vm makes every container a VM (libcontainer/vm.h). */
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(name, "husk-vm") == 0)
      hk_vm_set_mode(1);
    else if (strcmp(name, "husk-vm-guest") == 0)
      hk_vm_set_mode(-1);
  }
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT:
      g.root = optarg;
      break;
    case OPT_LOG:
      g.log = optarg;
      break;
    case OPT_LOG_FORMAT:
      g.log_format = optarg;
      break;
    case OPT_DEBUG:
      g.debug = true;
      break;
    case OPT_SYSTEMD:
      g.systemd_cgroup = true;
      break;
    case OPT_CGROUP_MANAGER:
      if (cgroup_manager(&g, optarg) < 0)
        return 1;
      break;
    case OPT_ROOTLESS:
      if (strcmp(optarg, "true") && strcmp(optarg, "false") && strcmp(optarg, "auto")) {
        fprintf(stderr, "husk: --rootless: expected true, false or auto, got \"%s\"\n", optarg);
        return 1;
      }
      g.rootless = optarg;
      break;
    case OPT_CRIU: /* accepted for compatibility with runc's command lines */
      break;
    case 'v':
      printf("husk version %s\nspec: %s\n", PACKAGE_VERSION, HK_OCI_VERSION);
      {
        _cleanup_free_ char *why = NULL;
        if (hk_vm_available(&why))
          printf("vm handler: available\n");
        else
          printf("vm handler: unavailable: %s\n", why);
      }
      if (HK_FAULT_ENABLED) /* a test build: see libcontainer/fault.h */
        printf("fault injection (HUSK_FAULT): %s\n", HK_FAULT_POINTS);
      return 0;
    case 'h':
      print_usage(stdout);
      return 0;
    default:
      fprintf(stderr, "husk: unknown or incomplete global option `%s` (see 'husk --help')\n",
              argv[optind - 1]);
      return 1;
    }
  }
  if (open_log(&g) < 0)
    return 1;
  if (HK_FAULT_ENABLED && getenv("HUSK_FAULT") && !hk_fault_known(getenv("HUSK_FAULT")))
    return husk_usage_error(NULL, "HUSK_FAULT: unknown fault point \"%s\" (known: %s)",
                            getenv("HUSK_FAULT"), HK_FAULT_POINTS);
  if (g.root[0] == '\0')
    return husk_usage_error(NULL, "--root: must not be empty");
  if (optind >= argc) {
    print_usage(stderr);
    return 1;
  }
  for (size_t i = 0; i < HK_ARRAY_SIZE(commands); i++) {
    if (strcmp(argv[optind], commands[i].name) == 0) {
      /* create, run and exec protect husk's binary before they spawn
       * anything, and may re-execute husk (libcontainer/selfexe.h). */
      hk_selfexe_save_argv(orig_argv);
      optind++;
      /* Each command parses argv[optind-1 ..] with its own getopt run. */
      argv += optind - 1;
      argc -= optind - 1;
      optind = 0;
      return commands[i].fn(&g, argc, argv);
    }
  }
  {
    hk_error_t *err = NULL;
    hk_error_make(&err, 0, "unknown command \"%s\" (see 'husk --help')", argv[optind]);
    return husk_fail(err);
  }
}
