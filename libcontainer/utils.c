/* Helpers shared by the whole tree; see utils.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fault.h"
#include "utils.h"

void hk_strv_free(char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

static void __attribute__((noreturn)) oom(void)
{
  static const char msg[] = "husk: out of memory\n";
  (void)!write(2, msg, sizeof(msg) - 1);
  abort();
}

void *hk_xmalloc0(size_t n)
{
  void *p = calloc(1, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

void *hk_xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

char *hk_xstrdup(const char *s)
{
  char *r = strdup(s);
  if (r == NULL)
    oom();
  return r;
}

char *hk_xasprintf(const char *fmt, ...)
{
  char *r = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&r, fmt, ap) < 0)
    oom();
  va_end(ap);
  return r;
}

ssize_t hk_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    done += n;
  }
  return done;
}

ssize_t hk_read_all(int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, p + done, len - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (n == 0)
      break;
    done += n;
  }
  return done;
}

int hk_read_fd(int fd, const char *name, size_t max_size, char **out, size_t *len,
               hk_error_t **err)
{
  _cleanup_free_ char *buf = NULL;
  size_t size = 0, cap = 0;

  for (;;) {
    ssize_t n;
    if (cap - size < 4096) {
      cap = cap ? cap * 2 : 8192;
      buf = hk_xrealloc(buf, cap + 1);
    }
    n = read(fd, buf + size, cap - size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hk_error_make(err, errno, "read `%s`", name);
    }
    if (n == 0)
      break;
    size += n;
    if (size > max_size)
      return hk_error_make(err, EFBIG, "read `%s`: larger than %zu bytes", name, max_size);
  }
  buf[size] = '\0';
  *out = steal_pointer(&buf);
  if (len)
    *len = size;
  return 0;
}

int hk_read_file(const char *path, size_t max_size, char **out, size_t *len, hk_error_t **err)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", path);
  return hk_read_fd(fd, path, max_size, out, len, err);
}

int hk_write_file(const char *path, const char *data, size_t len, hk_error_t **err)
{
  _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", path);
  if (hk_write_all(fd, data, len) < 0)
    return hk_error_make(err, errno, "write `%s`", path);
  return 0;
}

int hk_write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                         hk_error_t **err)
{
  char tmp[64];
  _cleanup_close_ int fd = -1;

  snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
  fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return hk_error_make(err, errno, "create `%s`", tmp);
  if (hk_write_all(fd, data, len) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return hk_error_make(err, e, "write `%s`", tmp);
  }
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    return hk_error_make(err, e, "rename `%s` to `%s`", tmp, name);
  }
  return 0;
}

int hk_write_file_over(int dirfd, const char *from, const char *name, const char *data, size_t len,
                       mode_t mode, hk_error_t **err)
{
  _cleanup_close_ int fd = from ? openat(dirfd, from, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
  size_t done = 0;

  if (from == NULL || (fd < 0 && errno == ENOENT))
    return hk_write_file_atomic(dirfd, name, data, len, mode, err);
  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", from);
  while (done < len) {
    ssize_t n = pwrite(fd, data + done, len - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hk_error_make(err, n < 0 ? errno : EIO, "write `%s`", from);
    done += (size_t)n;
  }
  if (ftruncate(fd, (off_t)len) < 0)
    return hk_error_make(err, errno, "truncate `%s`", from);
  HK_FAULT("state-unrenamed");
  if (renameat(dirfd, from, dirfd, name) < 0)
    return hk_error_make(err, errno, "rename `%s` to `%s`", from, name);
  return 0;
}

int hk_rmtree_at(int parentfd, const char *name, hk_error_t **err)
{
  _cleanup_close_ int fd = -1;
  DIR *d;
  struct dirent *de;

  if (unlinkat(parentfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return hk_error_make(err, errno, "remove `%s`", name);
  fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", name);
  d = fdopendir(fd);
  if (d == NULL)
    return hk_error_make(err, errno, "opendir `%s`", name);
  fd = -1;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (hk_rmtree_at(dirfd(d), de->d_name, err) < 0) {
      closedir(d);
      return hk_error_wrap(err, "remove `%s`", name);
    }
  }
  closedir(d);
  if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return hk_error_make(err, errno, "rmdir `%s`", name);
  return 0;
}

int hk_write_pid_file(const char *path, pid_t pid, hk_error_t **err)
{
  char buf[16];
  _cleanup_free_ char *tmp = hk_xasprintf("%s.husk-tmp", path);
  _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

  if (fd < 0)
    return hk_error_make(err, errno, "--pid-file: create `%s`", tmp);
  if (hk_write_all(fd, buf, n) < 0 || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return hk_error_make(err, e, "--pid-file: write `%s`", path);
  }
  return 0;
}

bool hk_pump(int from, int to)
{
  char buf[16384];
  ssize_t n = read(from, buf, sizeof(buf));

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  return to < 0 || hk_write_all(to, buf, n) == n;
}
