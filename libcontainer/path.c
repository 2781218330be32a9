/* Resolution of paths inside a root: openat2(RESOLVE_IN_ROOT) where the
 * kernel has it, else a component-by-component walk with the same
 * semantics (symlinks re-rooted, ".." clamped at the root). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "log.h"
#include "path.h"
#include "utils.h"

#define MAX_SYMLINKS 40

static bool force_fallback;
static int have_openat2 = -1;

void hk_path_force_fallback(bool on)
{
  force_fallback = on;
}

char *hk_path_clean(const char *path)
{
  size_t n = strlen(path);
  char *out = hk_xmalloc0(n + 2);
  size_t o = 0;
  const char *p = path;

  out[o++] = '/';
  while (*p) {
    const char *s;
    size_t len;
    while (*p == '/')
      p++;
    s = p;
    while (*p && *p != '/')
      p++;
    len = p - s;
    if (len == 0 || (len == 1 && s[0] == '.'))
      continue;
    if (len == 2 && s[0] == '.' && s[1] == '.') {
      while (o > 1 && out[o - 1] != '/')
        o--;
      if (o > 1)
        o--;
      continue;
    }
    if (o > 1)
      out[o++] = '/';
    memcpy(out + o, s, len);
    o += len;
  }
  out[o] = '\0';
  return out;
}

static int openat2_in_root(int rootfd, const char *path)
{
  struct open_how how = {
      .flags = O_PATH | O_CLOEXEC,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Open the components of a symlink-free path (relative to rootfd) one by one
 * without following anything: used to re-open the resolved prefix after "..".
 * If a component became a symlink meanwhile, this fails with ELOOP. */
static int open_plain(int rootfd, const char *resolved)
{
  _cleanup_free_ char *work = hk_xstrdup(resolved);
  char *save = NULL;
  int cur = openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);

  for (char *c = strtok_r(work, "/", &save); cur >= 0 && c; c = strtok_r(NULL, "/", &save)) {
    int next = openat(cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY);
    close(cur);
    cur = next;
  }
  return cur;
}

static int create_component(int cur, const char *name, bool last, enum hk_path_create create)
{
  if (last && create == HK_PATH_CREATE_FILE) {
    int fd = openat(cur, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      return -1;
    if (fd >= 0)
      close(fd);
    return 0;
  }
  if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

/* A /proc link such as fd/N, exe, cwd or ns/net leads wherever the kernel
 * says, not where its text says: refuse it, as openat2 does with
 * RESOLVE_NO_MAGICLINKS.  procfs's plain symlinks (self, thread-self,
 * mounts, net) have relative targets without ':'. */
static bool is_magic_link(int dirfd, const char *target)
{
  struct statfs sf;
  return fstatfs(dirfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
         (target[0] == '/' || strchr(target, ':'));
}

/* The walker: `resolved` is the symlink-free logical path reached so far and
 * `remaining` what is left; a symlink's target is spliced into `remaining`
 * (after resetting `resolved` to "/" when absolute), so everything stays
 * below rootfd.  ".." is applied to `resolved`, never by the kernel. */
static int walk_in_root(int rootfd, const char *path, enum hk_path_create create)
{
  _cleanup_free_ char *remaining = hk_xstrdup(path);
  _cleanup_free_ char *resolved = hk_xstrdup("/");
  _cleanup_close_ int cur = openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
  int budget = MAX_SYMLINKS;

  if (cur < 0)
    return -1;
  for (;;) {
    char *p = remaining, *comp, *rest;
    struct stat st;
    int next;

    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    comp = p;
    rest = strchr(p, '/');
    if (rest)
      *rest++ = '\0';
    else
      rest = p + strlen(p);
    if (strcmp(comp, ".") == 0) {
      memmove(remaining, rest, strlen(rest) + 1);
      continue;
    }
    if (strcmp(comp, "..") == 0) {
      char *slash = strrchr(resolved, '/');
      if (slash == resolved)
        resolved[1] = '\0';
      else if (slash)
        *slash = '\0';
      close(cur);
      cur = open_plain(rootfd, resolved);
      if (cur < 0)
        return -1;
      memmove(remaining, rest, strlen(rest) + 1);
      continue;
    }
    next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create != HK_PATH_NO_CREATE) {
      bool last = strspn(rest, "/") == strlen(rest);
      if (create_component(cur, comp, last, create) < 0)
        return -1;
      next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0)
      return -1;
    if (fstat(next, &st) < 0) {
      close(next);
      return -1;
    }
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlinkat(next, "", target, sizeof(target) - 1);
      close(next);
      if (n < 0)
        return -1;
      if (--budget < 0) {
        errno = ELOOP;
        return -1;
      }
      target[n] = '\0';
      if (is_magic_link(cur, target)) {
        errno = ELOOP; /* as openat2 with RESOLVE_NO_MAGICLINKS */
        return -1;
      }
      {
        char *joined = hk_xasprintf("%s/%s", target, rest);
        free(remaining);
        remaining = joined;
      }
      if (target[0] == '/') {
        resolved[1] = '\0';
        close(cur);
        cur = openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
        if (cur < 0)
          return -1;
      }
      continue;
    }
    {
      char *nr = hk_xasprintf("%s%s%s", resolved, resolved[1] ? "/" : "", comp);
      free(resolved);
      resolved = nr;
    }
    memmove(remaining, rest, strlen(rest) + 1);
    close(cur);
    cur = next;
  }
  return steal_fd(&cur);
}

/* The usual create: only the last component is missing (/dev/pts in a
 * fresh /dev).  Its parent resolves with openat2, the entry is made there,
 * and the whole path resolves with openat2 again, so whatever is found
 * then (a symlink that took its place, say) still resolves in root: three
 * calls instead of the walk's dozen.  Paths with "." or ".." components,
 * and every failure, are left to the walk. */
static int create_last(int rootfd, const char *path, enum hk_path_create create)
{
  _cleanup_free_ char *dir = hk_xstrdup(path);
  _cleanup_close_ int parent = -1;
  size_t n = strlen(dir);
  char *base;

  while (n > 1 && dir[n - 1] == '/')
    dir[--n] = '\0';
  for (const char *s = dir; *s;) {
    size_t len;
    while (*s == '/')
      s++;
    len = strcspn(s, "/");
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
      return -1;
    s += len;
  }
  base = strrchr(dir, '/');
  if (base == NULL || base[1] == '\0')
    return -1;
  *base++ = '\0';
  parent = openat2_in_root(rootfd, dir[0] ? dir : "/");
  if (parent < 0 || create_component(parent, base, true, create) < 0)
    return -1;
  return openat2_in_root(rootfd, path);
}

int hk_path_open_in_root(int rootfd, const char *path, enum hk_path_create create,
                         hk_error_t **err)
{
  int fd;

  if (!force_fallback && have_openat2 != 0) {
    fd = openat2_in_root(rootfd, path);
    if (fd >= 0)
      return fd;
    if (errno == ENOSYS || errno == EPERM) { /* EPERM: seccomp'd away */
      hk_debug("openat2: %s; resolving paths in the root with the walker", strerror(errno));
      have_openat2 = 0;
    }
    else if (errno != ENOENT || create == HK_PATH_NO_CREATE)
      return hk_error_make(err, errno, "resolve `%s` in the container root", path);
    else if ((fd = create_last(rootfd, path, create)) >= 0)
      return fd;
  }
  fd = walk_in_root(rootfd, path, create);
  if (fd < 0)
    return hk_error_make(err, errno, "resolve `%s` in the container root", path);
  return fd;
}
