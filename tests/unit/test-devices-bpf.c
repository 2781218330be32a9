/* The cgroup v2 device program (libcontainer/cgroups-bpf.c), for real: a
 * child cgroup of the host's cgroup2 hierarchy gets the program, and a
 * child process in it opens devices.  Needs root and a cgroup2 hierarchy
 * (pure v2, or /sys/fs/cgroup/unified of a hybrid host); exits 77 (skip)
 * without them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcontainer/cgroups.h"
#include "unit.h"

static char dir[256];

#define RULE(al, t, ma, mi, acc)                                                                 \
  ((struct hk_device_cgroup){.allow = (al), .type = (char *)(t), .has_major = (ma) >= 0,       \
                             .major = (ma), .has_minor = (mi) >= 0, .minor = (mi),            \
                             .access = (char *)(acc)})

/* Open `path` with `flags` from a process in the cgroup: 0 or errno. */
static int try_open(const char *path, int flags)
{
  int st;
  pid_t p = fork();

  if (p == 0) {
    char procs[300];
    int fd;
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    fd = open(procs, O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1)
      _exit(200);
    close(fd);
    fd = open(path, flags | O_CLOEXEC);
    _exit(fd >= 0 ? 0 : errno);
  }
  waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 201;
}

static int attached(void)
{
  uint32_t ids[8];
  union bpf_attr a;
  int fd = open(dir, O_RDONLY | O_DIRECTORY);

  memset(&a, 0, sizeof(a));
  a.query.target_fd = fd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uintptr_t)ids;
  a.query.prog_cnt = 8;
  if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
    a.query.prog_cnt = 99;
  close(fd);
  return (int)a.query.prog_cnt;
}

static int load(const struct hk_device_cgroup *r, size_t n)
{
  hk_error_t *e = NULL;
  if (hk_cg_bpf_devices(dir, r, n, &e) < 0) {
    fprintf(stderr, "# %s\n", e->msg);
    hk_error_free(e);
    return -1;
  }
  return 0;
}

static void deny_all_then_defaults(void)
{
  struct hk_device_cgroup r[32];
  size_t n = 0;

  r[n++] = RULE(false, NULL, -1, -1, "rwm");
  for (size_t i = 0; i < hk_cg_default_device_rules_len; i++)
    r[n++] = hk_cg_default_device_rules[i];
  CHECK(load(r, n) == 0);
  CHECK(try_open("/dev/null", O_RDWR) == 0);
  CHECK(try_open("/dev/zero", O_RDONLY) == 0);
  CHECK(try_open("/dev/kmsg", O_WRONLY) == EPERM);
  CHECK(attached() == 1);
}

static void allow_after_deny(void)
{
  struct hk_device_cgroup r[] = {RULE(false, "a", -1, -1, "rwm"), RULE(true, "c", 1, 11, "w")};
  CHECK(load(r, 2) == 0);
  CHECK(try_open("/dev/kmsg", O_WRONLY) == 0);
  /* "w" was granted, "r" was not: a read-write open is refused */
  CHECK(try_open("/dev/kmsg", O_RDWR) == EPERM);
  CHECK(try_open("/dev/null", O_RDONLY) == EPERM);
  /* the program of the previous test was replaced, not added */
  CHECK(attached() == 1);
}

static void deny_after_allow(void)
{
  struct hk_device_cgroup r[] = {RULE(true, "c", 1, 3, "rwm"), RULE(false, "c", 1, 3, "w"),
                                 RULE(false, "c", 1, 5, "rwm")};
  CHECK(load(r, 3) == 0);
  CHECK(try_open("/dev/null", O_RDONLY) == 0);
  CHECK(try_open("/dev/null", O_WRONLY) == EPERM);
  CHECK(try_open("/dev/zero", O_RDONLY) == EPERM);
  /* no rule matches /dev/full: allowed, as in a fresh v1 cgroup */
  CHECK(try_open("/dev/full", O_RDONLY) == 0);
}

static void wildcard_minor(void)
{
  struct hk_device_cgroup r[] = {RULE(false, NULL, -1, -1, "rwm"), RULE(true, "c", 1, -1, "r")};
  CHECK(load(r, 2) == 0);
  CHECK(try_open("/dev/null", O_RDONLY) == 0);
  CHECK(try_open("/dev/zero", O_RDONLY) == 0);
  CHECK(try_open("/dev/null", O_WRONLY) == EPERM);
  CHECK(try_open("/dev/tty", O_RDONLY) == EPERM || try_open("/dev/tty", O_RDONLY) == ENXIO);
}

int main(void)
{
  static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
  struct statfs sf;
  const char *root = NULL;

  for (size_t i = 0; i < 2 && !root; i++)
    if (statfs(roots[i], &sf) == 0 && sf.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */)
      root = roots[i];
  if (geteuid() != 0 || root == NULL) {
    printf("1..0 # SKIP needs root and a cgroup2 hierarchy\n");
    return 77;
  }
  snprintf(dir, sizeof(dir), "%s/husk-unit-bpf-%d", root, (int)getpid());
  if (mkdir(dir, 0755) < 0) {
    perror(dir);
    return 1;
  }
  RUN(deny_all_then_defaults);
  RUN(allow_after_deny);
  RUN(deny_after_allow);
  RUN(wildcard_minor);
  rmdir(dir);
  UNIT_DONE();
}
