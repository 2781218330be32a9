/* husk ps */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "husk.h"
#include "libcontainer/cgroups.h"
#include "libcontainer/container.h"
#include "libcontainer/utils.h"
#include "oci-specs/stats.h"

extern char **environ;

static const char usage[] =
    "Usage: husk ps [OPTIONS] ID [--] [PS ARGS...]\n"
    "\n"
    "List the processes of a container: ps(1) run on the host with PS ARGS\n"
    "(default -ef), its lines kept for the container's processes only.\n"
    "\n"
    "Options:\n"
    "  -f, --format table|json  table: ps output; json: the PIDs as a JSON\n"
    "                           array (default table)\n"
    "  -h, --help               print this help\n";

/* Everything ps writes may be large (one line per process on the host):
 * both streams go to memory files, read once ps has exited. */
static int run_ps(char **args, const char *cmd, char **out, hk_error_t **err)
{
  _cleanup_close_ int ofd = memfd_create("husk-ps-out", MFD_CLOEXEC);
  _cleanup_close_ int efd = memfd_create("husk-ps-err", MFD_CLOEXEC);
  char errtext[1024];
  ssize_t elen;
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int r, status;
  size_t len;

  if (ofd < 0 || efd < 0)
    return hk_error_make(err, errno, "memfd_create");
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, ofd, 1);
  posix_spawn_file_actions_adddup2(&fa, efd, 2);
  r = posix_spawnp(&pid, args[0], &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r != 0)
    return hk_error_make(err, r, "run `%s`%s", cmd, r == ENOENT ? " (is procps installed?)" : "");
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return hk_error_make(err, errno, "wait for `%s`", cmd);
  if (lseek(ofd, 0, SEEK_SET) < 0 || hk_read_fd(ofd, "ps output", 64 << 20, out, &len, err) < 0)
    return -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  free(steal_pointer(out));
  elen = pread(efd, errtext, sizeof(errtext) - 1, 0);
  errtext[elen > 0 ? elen : 0] = '\0';
  errtext[strcspn(errtext, "\n")] = '\0'; /* its first line says what is wrong */
  if (WIFEXITED(status))
    return hk_error_plain(err, EINVAL, "`%s` exited with status %d%s%s", cmd, WEXITSTATUS(status),
                          *errtext ? ": " : "", errtext);
  return hk_error_plain(err, EINTR, "`%s` killed by signal %d", cmd, WTERMSIG(status));
}

/* Field number `idx` (from 0) of a line split on blanks, into buf. */
static bool field(const char *line, size_t idx, char *buf, size_t size)
{
  const char *p = line;

  for (size_t i = 0;; i++) {
    size_t n;
    p += strspn(p, " \t");
    if (*p == '\0')
      return false;
    n = strcspn(p, " \t");
    if (i == idx) {
      snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), p);
      return true;
    }
    p += n;
  }
}

static int cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

/* The header, then the lines whose PID column is one of pids (sorted);
 * as runc, the column is the header field named PID. */
static int filter(char *text, const pid_t *pids, size_t n, const char *cmd, hk_error_t **err)
{
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  char name[32];
  size_t col = 0;

  if (line == NULL)
    return hk_error_plain(err, EINVAL, "`%s` printed nothing", cmd);
  while (field(line, col, name, sizeof(name)) && strcmp(name, "PID") != 0)
    col++;
  if (strcmp(name, "PID") != 0)
    return hk_error_plain(err, EINVAL, "no PID column in the output of `%s`: \"%s\"", cmd, line);
  printf("%s\n", line);
  while ((line = strtok_r(NULL, "\n", &save))) {
    char num[32], *end;
    long v;
    pid_t pid;
    if (!field(line, col, num, sizeof(num)))
      continue;
    errno = 0;
    v = strtol(num, &end, 10);
    if (errno || *end || end == num || v <= 0 || v > INT32_MAX)
      return hk_error_plain(err, EINVAL, "unexpected PID \"%s\" in the output of `%s`: \"%s\"", num,
                            cmd, line);
    pid = (pid_t)v;
    if (n && bsearch(&pid, pids, n, sizeof(*pids), cmp_pid))
      printf("%s\n", line);
  }
  return 0;
}

static int table(char **ps_args, int nargs, const pid_t *pids, size_t n, hk_error_t **err)
{
  _cleanup_free_ char **args = hk_xmalloc0((size_t)(nargs + 3) * sizeof(*args));
  _cleanup_free_ char *out = NULL;
  _cleanup_free_ char *cmd = NULL;
  int k = 0;

  args[k++] = (char *)"ps";
  if (nargs == 0)
    args[k++] = (char *)"-ef";
  for (int i = 0; i < nargs; i++)
    args[k++] = ps_args[i];
  for (int i = 0; i < k; i++) { /* for messages */
    char *c = hk_xasprintf("%s%s%s", cmd ? cmd : "", i ? " " : "", args[i]);
    free(cmd);
    cmd = c;
  }
  if (run_ps(args, cmd, &out, err) < 0 || filter(out, pids, n, cmd, err) < 0)
    return hk_error_wrap(err, "ps");
  return fflush(stdout) == 0 ? 0 : hk_error_make(err, errno, "write to stdout");
}

int husk_cmd_ps(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;
  _cleanup_free_ pid_t *pids = NULL;
  const char *format = "table", *id;
  hk_error_t *err = NULL;
  struct hk_state *state = NULL;
  size_t n = 0;
  int c, rest;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    default:
      return husk_bad_option("ps", argv);
    }
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return husk_usage_error("ps", "--format: expected table or json, got \"%s\"", format);
  if (optind >= argc)
    return husk_usage_error("ps", "expected a container ID");
  id = argv[optind++];
  /* `husk ps ID -- -o pid` as well as runc's `ps ID -o pid`. */
  if (optind < argc && strcmp(argv[optind], "--") == 0)
    optind++;
  rest = argc - optind;

  if (hk_container_cgroup(g->root, id, &cg, &state, &err) < 0)
    return husk_fail(err);
  hk_state_free(state);
  if (hk_cgroup_pids(cg, &pids, &n, &err) < 0) {
    hk_error_wrap(&err, "ps: container \"%s\"", id);
    return husk_fail(err);
  }
  if (strcmp(format, "json") == 0) {
    _cleanup_free_ char *json = NULL;
    size_t len;
    if (hk_pids_to_json(pids, n, &json, &len, &err) < 0)
      return husk_fail(err);
    json[len] = '\n';
    if (!husk_print(json, len + 1)) {
      hk_error_make(&err, errno, "ps: write to stdout");
      return husk_fail(err);
    }
    return 0;
  }
  if (table(argv + optind, rest, pids, n, &err) < 0)
    return husk_fail(err);
  return 0;
}
