/* husk update */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "husk.h"
#include "libcontainer/container.h"
#include "libcontainer/utils.h"

static const char usage[] =
    "Usage: husk update [OPTIONS] ID\n"
    "\n"
    "Change the resources of a running container.  The values of -r come\n"
    "first; the other options override them.  Sizes take k, m, g, t suffixes\n"
    "(powers of 1024); -1 means unlimited.\n"
    "\n"
    "Options:\n"
    "  -r, --resources FILE    linux.resources as JSON, - for standard input\n"
    "      --memory SIZE       memory limit\n"
    "      --memory-reservation SIZE\n"
    "                          memory soft limit\n"
    "      --memory-swap SIZE  memory plus swap limit\n"
    "      --kernel-memory SIZE, --kernel-memory-tcp SIZE\n"
    "                          kernel memory limits (v1 only, deprecated)\n"
    "      --cpu-shares N      CPU shares (relative weight)\n"
    "      --cpu-period US     CFS period, in microseconds\n"
    "      --cpu-quota US      CFS quota per period, in microseconds (-1: none)\n"
    "      --cpu-rt-period US, --cpu-rt-runtime US\n"
    "                          realtime scheduling (v1 only)\n"
    "      --cpu-idle 0|1      SCHED_IDLE for the cgroup\n"
    "      --cpuset-cpus LIST  CPUs allowed (0-3,7)\n"
    "      --cpuset-mems LIST  memory nodes allowed\n"
    "      --pids-limit N      maximum number of tasks (-1: none)\n"
    "      --blkio-weight N    block IO weight, 10 to 1000\n"
    "  -h, --help              print this help\n";

enum {
  OPT_MEMORY = 256,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARES,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_IDLE,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
};

/* "512m", "1G", "4096", "-1". */
static int parse_size(const char *s, int64_t *out)
{
  char *end;
  long double v;
  int64_t mult = 1;

  errno = 0;
  if (strcmp(s, "-1") == 0) {
    *out = -1;
    return 0;
  }
  v = strtold(s, &end);
  if (errno || end == s || !(v >= 0)) /* NaN too */
    return -1;
  switch (*end) {
  case 'k': case 'K': mult = 1LL << 10; end++; break;
  case 'm': case 'M': mult = 1LL << 20; end++; break;
  case 'g': case 'G': mult = 1LL << 30; end++; break;
  case 't': case 'T': mult = 1LL << 40; end++; break;
  }
  if (mult > 1 && (*end == 'i' || *end == 'I'))
    end++;
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end != '\0' || v * mult > (long double)INT64_MAX)
    return -1;
  *out = (int64_t)(v * mult);
  return 0;
}

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
  char *end;
  long long v;

  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

static int read_resources(const char *file, struct hk_resources **out, hk_error_t **err)
{
  _cleanup_free_ char *buf = NULL;
  _cleanup_close_ int fd = -1;
  size_t len;

  if (strcmp(file, "-") == 0) {
    if (hk_read_fd(STDIN_FILENO, "<stdin>", 1 << 20, &buf, &len, err) < 0)
      return -1;
    return hk_resources_parse(buf, len, "<stdin>", out, err);
  }
  fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "--resources: open `%s`", file);
  if (hk_read_fd(fd, file, 1 << 20, &buf, &len, err) < 0)
    return -1;
  return hk_resources_parse(buf, len, file, out, err);
}

/* One option onto the resources; -1 with a usage error printed. */
static int set_option(struct hk_resources *r, int opt, const char *name, const char *arg)
{
  int64_t v;
  bool size = opt == OPT_MEMORY || opt == OPT_MEMORY_RESERVATION || opt == OPT_MEMORY_SWAP ||
              opt == OPT_KERNEL_MEMORY || opt == OPT_KERNEL_MEMORY_TCP;

  if (opt == OPT_CPUSET_CPUS || opt == OPT_CPUSET_MEMS) {
    char **dst = opt == OPT_CPUSET_CPUS ? &r->cpu.cpus : &r->cpu.mems;
    if (arg[0] == '\0' || arg[strspn(arg, "0123456789,-")] != '\0')
      return husk_usage_error("update", "--%s: \"%s\" is not a list like 0-3,7", name, arg);
    free(*dst);
    *dst = hk_xstrdup(arg);
    r->has_cpu = true;
    return 0;
  }
  if (size ? parse_size(arg, &v) < 0
           : parse_int(arg, opt == OPT_CPU_QUOTA || opt == OPT_PIDS_LIMIT ||
                                    opt == OPT_CPU_RT_RUNTIME ? -1 : 0,
                       INT64_MAX, &v) < 0)
    return husk_usage_error("update", "--%s: invalid value \"%s\"", name, arg);
  switch (opt) {
  case OPT_MEMORY: r->memory.has_limit = true, r->memory.limit = v; break;
  case OPT_MEMORY_RESERVATION: r->memory.has_reservation = true, r->memory.reservation = v; break;
  case OPT_MEMORY_SWAP: r->memory.has_swap = true, r->memory.swap = v; break;
  case OPT_KERNEL_MEMORY: r->memory.has_kernel = true, r->memory.kernel = v; break;
  case OPT_KERNEL_MEMORY_TCP: r->memory.has_kernel_tcp = true, r->memory.kernel_tcp = v; break;
  case OPT_CPU_SHARES: r->cpu.has_shares = true, r->cpu.shares = (uint64_t)v; break;
  case OPT_CPU_PERIOD: r->cpu.has_period = true, r->cpu.period = (uint64_t)v; break;
  case OPT_CPU_QUOTA: r->cpu.has_quota = true, r->cpu.quota = v; break;
  case OPT_CPU_RT_PERIOD: r->cpu.has_realtime_period = true, r->cpu.realtime_period = (uint64_t)v; break;
  case OPT_CPU_RT_RUNTIME: r->cpu.has_realtime_runtime = true, r->cpu.realtime_runtime = v; break;
  case OPT_CPU_IDLE:
    if (v > 1)
      return husk_usage_error("update", "--cpu-idle: must be 0 or 1, got \"%s\"", arg);
    r->cpu.has_idle = true, r->cpu.idle = v;
    break;
  case OPT_PIDS_LIMIT: r->has_pids = true, r->pids_limit = v; break;
  case OPT_BLKIO_WEIGHT:
    if (v != 0 && (v < 10 || v > 1000))
      return husk_usage_error("update", "--blkio-weight: must be 10 to 1000, got \"%s\"", arg);
    r->has_block_io = true, r->block_io.has_weight = true, r->block_io.weight = (uint16_t)v;
    break;
  }
  if (opt <= OPT_KERNEL_MEMORY_TCP)
    r->has_memory = true;
  else if (opt <= OPT_CPU_IDLE)
    r->has_cpu = true;
  return 0;
}

int husk_cmd_update(struct husk_global *g, int argc, char **argv)
{
  static const struct option opts[] = {
      {"resources", required_argument, NULL, 'r'},
      {"memory", required_argument, NULL, OPT_MEMORY},
      {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
      {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
      {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
      {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
      {"cpu-share", required_argument, NULL, OPT_CPU_SHARES}, /* runc's spelling */
      {"cpu-shares", required_argument, NULL, OPT_CPU_SHARES},
      {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
      {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
      {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
      {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
      {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
      {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
      {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
      {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
      {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
      {"help", no_argument, NULL, 'h'},
      {0}};
  struct {
    int opt;
    const char *name, *arg;
  } given[32];
  size_t ngiven = 0;
  const char *file = NULL, *id;
  struct hk_resources *res = NULL;
  hk_error_t *err = NULL;
  int c, idx, r;

  opterr = 0;
  while ((c = getopt_long(argc, argv, "+r:h", opts, &idx)) != -1) {
    switch (c) {
    case 'r':
      file = optarg;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    case '?':
    case ':':
      return husk_bad_option("update", argv);
    default:
      if (ngiven == HK_ARRAY_SIZE(given))
        return husk_usage_error("update", "too many options");
      given[ngiven].opt = c;
      given[ngiven].name = opts[idx].name;
      given[ngiven++].arg = optarg;
    }
  }
  if ((r = husk_one_id("update", argc, argv, optind, &id)) != 0)
    return r;
  if (file == NULL && ngiven == 0)
    return husk_usage_error("update", "nothing to update: give -r FILE or a resource option");
  if (file && read_resources(file, &res, &err) < 0)
    return husk_fail(err);
  if (res == NULL)
    res = hk_xmalloc0(sizeof(*res));
  for (size_t i = 0; i < ngiven; i++) {
    if (set_option(res, given[i].opt, given[i].name, given[i].arg) != 0) {
      hk_resources_free(res);
      return 1;
    }
  }
  r = hk_container_update(g->root, id, res, &err);
  hk_resources_free(res);
  return r < 0 ? husk_fail(err) : 0;
}
