/* Reading and writing cgroupfs files: where cgroup paths are walked from,
 * and the small helpers every cgroup writer uses (cgroups.h, "internal"). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups.h"
#include "utils.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* ---- paths ----
 *
 * A walk of "/sys/fs/cgroup/..." from "/" passes two sysfs directories
 * ("fs", "cgroup").  sysfs is kernfs, whose dentries cannot be checked
 * under RCU: each lookup there takes sysfs's one lock, which every network
 * namespace being made also takes, many times, as it registers its
 * devices.  With many containers starting at once, those waits rather than
 * the work set the pace (perf sched: about 1.4 s of blocked time in
 * kernfs_dop_revalidate for 50 concurrent `run -d`).  So a process walks
 * cgroup paths from a descriptor of /sys/fs/cgroup opened once, by its first
 * cgroup operation: in husk and init, before any namespace or root change,
 * so it is always the host's cgroupfs (close-on-exec, like every descriptor
 * of husk's own). */
static int root_fd = -1;

static void close_root_fd(void)
{
  close(root_fd);
  root_fd = -1;
}

int hk_cg_at(const char *path, const char **rel)
{
  const size_t n = sizeof(CGROUP_ROOT) - 1;

  if (strncmp(path, CGROUP_ROOT, n) != 0 || (path[n] != '/' && path[n] != '\0'))
    goto as_is;
  if (root_fd < 0) {
    if ((root_fd = open(CGROUP_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
      goto as_is;
    atexit(close_root_fd); /* no descriptor left open at exit */
  }
  path += n;
  while (*path == '/')
    path++;
  *rel = *path ? path : ".";
  return root_fd;
as_is:
  *rel = path;
  return AT_FDCWD;
}

int hk_cg_open(const char *path, int flags)
{
  const char *rel;
  int dirfd = hk_cg_at(path, &rel);
  return openat(dirfd, rel, flags | O_CLOEXEC);
}

/* ---- small file helpers ---- */

int hk_cg_write(const char *dir, const char *file, const char *value, hk_error_t **err)
{
  _cleanup_free_ char *path = hk_xasprintf("%s/%s", dir, file);
  _cleanup_close_ int fd = hk_cg_open(path, O_WRONLY);
  size_t len = strlen(value);

  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", path);
  if (write(fd, value, len) != (ssize_t)len)
    return hk_error_make(err, errno, "write \"%s\" to `%s`", value, path);
  return 0;
}

static __attribute__((format(printf, 1, 0))) char *vformat(const char *fmt, va_list ap)
{
  char *v;
  if (vasprintf(&v, fmt, ap) < 0)
    abort();
  return v;
}

int hk_cg_writef(const char *dir, const char *file, hk_error_t **err, const char *fmt, ...)
{
  _cleanup_free_ char *v = NULL;
  va_list ap;

  va_start(ap, fmt);
  v = vformat(fmt, ap);
  va_end(ap);
  return hk_cg_write(dir, file, v, err);
}

char *hk_cg_read(const char *dir, const char *file)
{
  _cleanup_free_ char *path = hk_xasprintf("%s/%s", dir, file);
  _cleanup_close_ int fd = hk_cg_open(path, O_RDONLY);
  char *buf = NULL;
  size_t len;

  if (fd < 0 || hk_read_fd(fd, path, 1 << 20, &buf, &len, NULL) < 0)
    return NULL;
  return buf;
}

bool hk_cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
  _cleanup_free_ char *s = hk_cg_read(dir, file);
  char *end;

  if (s == NULL)
    return false;
  if (strncmp(s, "max", 3) == 0) {
    *v = UINT64_MAX;
    return true;
  }
  errno = 0;
  *v = strtoull(s, &end, 10);
  return errno == 0 && end != s;
}

bool hk_cg_exists(const char *dir, const char *file)
{
  _cleanup_free_ char *path = hk_xasprintf("%s/%s", dir, file);
  const char *rel;
  int dirfd = hk_cg_at(path, &rel);
  return faccessat(dirfd, rel, F_OK, 0) == 0;
}

int hk_cg_set(const char *dir, const char *file, const char *what, const char *json,
              hk_error_t **err, const char *fmt, ...)
{
  _cleanup_free_ char *v = NULL;
  va_list ap;

  va_start(ap, fmt);
  v = vformat(fmt, ap);
  va_end(ap);
  if (hk_cg_write(dir, file, v, err) < 0)
    return hk_error_wrap(err, "%s: %s", what, json);
  return 0;
}
