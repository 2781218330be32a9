/* The state directory and the truthful status of a container; see state.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "state.h"
#include "cgroups.h"
#include "cgroups-mark.h"
#include "utils.h"

#define MAX_ID_LEN 1024

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int hk_id_validate(const char *id, hk_error_t **err)
{
  size_t len = id ? strlen(id) : 0;

  if (len == 0)
    return hk_error_plain(err, EINVAL, "invalid container ID \"\": must not be empty");
  if (len >= MAX_ID_LEN)
    return hk_error_plain(err, EINVAL, "invalid container ID: longer than %d characters",
                         MAX_ID_LEN - 1);
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
    return hk_error_plain(err, EINVAL, "invalid container ID \"%s\"", id);
  /* The same alphabet as runc: letters, digits, and _ + - . */
  for (const char *p = id; *p; p++) {
    unsigned char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '+' || c == '-' || c == '.')) {
      if (c < 0x20 || c >= 0x7f)
        return hk_error_plain(err, EINVAL,
                             "invalid container ID: byte 0x%02x at offset %zu (allowed: letters, "
                             "digits, '_', '+', '-', '.')",
                             c, (size_t)(p - id));
      return hk_error_plain(err, EINVAL,
                           "invalid container ID \"%s\": character '%c' (allowed: letters, "
                           "digits, '_', '+', '-', '.')",
                           id, c);
    }
  }
  return 0;
}

static int open_root(const char *root, bool create, hk_error_t **err)
{
  int fd;
  if (create && mkdir(root, 0711) < 0 && errno != EEXIST) {
    /* Create missing parents too (e.g. a --root in a new temp dir). */
    _cleanup_free_ char *dup = hk_xstrdup(root);
    for (char *p = dup + 1; *p; p++) {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir(dup, 0711) < 0 && errno != EEXIST)
        return hk_error_make(err, errno, "create state root `%s`", dup);
      *p = '/';
    }
    if (mkdir(root, 0711) < 0 && errno != EEXIST)
      return hk_error_make(err, errno, "create state root `%s`", root);
  }
  fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hk_error_make(err, errno, "open state root `%s`", root);
  return fd;
}

static struct hk_container *container_new(const char *root, const char *id)
{
  struct hk_container *c = hk_xmalloc0(sizeof(*c));
  c->root = hk_xstrdup(root);
  c->id = hk_xstrdup(id);
  c->dirfd = -1;
  return c;
}

int hk_container_claim(const char *root, const char *id, struct hk_container **out,
                       hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  _cleanup_close_ int rootfd = -1;

  if (hk_id_validate(id, err) < 0)
    return -1;
  rootfd = open_root(root, true, err);
  if (rootfd < 0)
    return -1;
  if (mkdirat(rootfd, id, 0711) < 0) {
    if (errno == EEXIST)
      return hk_error_plain(err, EEXIST, "container \"%s\" already exists", id);
    return hk_error_make(err, errno, "create state directory `%s/%s`", root, id);
  }
  c = container_new(root, id);
  c->dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (c->dirfd < 0 || flock(c->dirfd, LOCK_EX) < 0) {
    int e = errno;
    unlinkat(rootfd, id, AT_REMOVEDIR);
    return hk_error_make(err, e, "open state directory `%s/%s`", root, id);
  }
  *out = steal_pointer(&c);
  return 0;
}

int hk_proc_start_time(pid_t pid, uint64_t *start_time, char *state)
{
  char path[64], buf[1024];
  _cleanup_close_ int fd = -1;
  ssize_t n;
  char *p;
  unsigned long long st = 0;
  char s = '?';

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* The command name may contain spaces and ')': skip to the last ')'. */
  p = strrchr(buf, ')');
  if (p == NULL || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
                                 "%*d %*d %llu",
                          &s, &st) != 2)
    return -1;
  *start_time = st;
  if (state)
    *state = s;
  return 0;
}

/* Whether init's descriptor number `fd` is the file `want`: 1 yes, 0 no,
 * -1 when we may not look (pidfd_getfd needs ptrace rights). */
static int init_fd_is(pid_t pid, int fd, const struct stat *want)
{
  _cleanup_close_ int pidfd = -1, copy = -1;
  struct stat st;

  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return -1;
  copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  if (copy < 0)
    return errno == EBADF ? 0 : -1;
  return fstat(copy, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/* The same through /proc/PID/fd, for state written before initFifoFd. */
static int init_fd_scan(pid_t pid, const struct stat *want)
{
  char path[64];
  struct dirent *de;
  struct stat st;
  int found = 0;
  DIR *d;

  snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
  d = opendir(path);
  if (d == NULL)
    return -1;
  while (!found && (de = readdir(d)))
    found = de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
            st.st_dev == want->st_dev && st.st_ino == want->st_ino;
  closedir(d);
  return found;
}

/* Whether the container's init still holds the exec fifo: from create
 * until `start` releases it, when init closes it.  A `start` killed between
 * releasing init and removing the fifo leaves the fifo, but not this.
 * Asked through a pidfd, not /proc: a husk in a PID namespace of its own
 * may see a /proc whose PIDs are not its own.  When we may not look,
 * assume it does. */
static bool init_holds_fifo(const struct hk_state *s, int state_dirfd)
{
  struct stat fifo;
  int r = -1;

  if (fstatat(state_dirfd, HK_EXEC_FIFO, &fifo, AT_SYMLINK_NOFOLLOW) < 0)
    return false;
  if (s->init_fifo_fd > 0)
    r = init_fd_is(s->pid, s->init_fifo_fd, &fifo);
  if (r < 0)
    r = init_fd_scan(s->pid, &fifo);
  return r != 0;
}

void hk_state_refresh(struct hk_state *s, int dirfd)
{
  const char *status = "stopped";
  uint64_t st;
  char pstate;

  if (s->pid > 0 && hk_proc_start_time(s->pid, &st, &pstate) == 0 && st == s->start_time &&
      pstate != 'Z' && pstate != 'X') {
    if (hk_cgroup_paths_frozen(&s->cgroup_paths) ||
        faccessat(dirfd, "vm.paused", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
      status = "paused";
    else if (init_holds_fifo(s, dirfd))
      status = "created";
    else
      status = "running";
  }
  if (s->status == NULL || strcmp(s->status, status) != 0) {
    free(s->status);
    s->status = hk_xstrdup(status);
  }
}

static int read_state(struct hk_container *c, hk_error_t **err)
{
  _cleanup_close_ int fd = openat(c->dirfd, HK_STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  _cleanup_free_ char *buf = NULL;
  _cleanup_free_ char *name = NULL;
  size_t len;

  name = hk_xasprintf("%s/%s/%s", c->root, c->id, HK_STATE_FILE);
  /* We hold the lock, so no create is writing it: that create died. */
  if (fd < 0 && errno == ENOENT)
    return hk_error_plain(err, ENOENT,
                         "container \"%s\" is incomplete: `%s` is missing (its create did not "
                         "finish); `husk delete --force %s` removes what is left",
                         c->id, name, c->id);
  if (fd < 0)
    return hk_error_make(err, errno, "open `%s`", name);
  if (hk_read_fd(fd, name, HK_SPEC_MAX_FILE_SIZE, &buf, &len, err) < 0)
    return -1;
  return hk_state_parse(buf, len, name, &c->state, err);
}

/* "does not exist", and what is left of a container of that ID whose state
 * directory (or the whole root) was removed under it. */
static int no_such_container(const char *root, const char *id, bool root_exists,
                             hk_error_t **err)
{
  _cleanup_cgroup_ struct hk_cgroup *cg = NULL;

  if (!hk_cgroup_find_marked(root, id, &cg))
    return hk_error_plain(err, ENOENT, "container \"%s\" does not exist", id);
  return hk_error_plain(err, ENOENT,
                       "container \"%s\" does not exist: its state %s `%s%s%s` was removed, "
                       "but its cgroup `%s` is left; `husk delete --force %s` kills what runs "
                       "there and removes it",
                       id, root_exists ? "directory" : "root", root, root_exists ? "/" : "",
                       root_exists ? id : "", hk_cgroup_some_dir(cg), id);
}

int hk_container_load(const char *root, const char *id, enum hk_lock lock,
                      struct hk_container **out, hk_error_t **err)
{
  _cleanup_container_ struct hk_container *c = NULL;
  _cleanup_close_ int rootfd = -1;
  struct stat st;

  if (hk_id_validate(id, err) < 0)
    return -1;
  rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno != ENOENT)
    return hk_error_make(err, errno, "open state root `%s`", root);
  c = container_new(root, id);
  if (rootfd >= 0)
    c->dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (c->dirfd < 0) {
    if (rootfd < 0 || errno == ENOENT)
      return no_such_container(root, id, rootfd >= 0, err);
    return hk_error_make(err, errno, "open state directory `%s/%s`", root, id);
  }
  if (lock == HK_LOCK_SHARED) {
    /* A creator holds the lock exclusively until the state is written. */
    if (flock(c->dirfd, LOCK_SH | LOCK_NB) < 0) {
      if (errno != EWOULDBLOCK)
        return hk_error_make(err, errno, "lock `%s/%s`", root, id);
      if (flock(c->dirfd, LOCK_SH) < 0)
        return hk_error_make(err, errno, "lock `%s/%s`", root, id);
    }
  } else if (flock(c->dirfd, LOCK_EX) < 0) {
    return hk_error_make(err, errno, "lock `%s/%s`", root, id);
  }
  /* Removed (a delete, a failed create) while we waited for the lock. */
  if (fstat(c->dirfd, &st) == 0 && st.st_nlink == 0)
    return hk_error_plain(err, ENOENT, "container \"%s\" does not exist", id);
  if (read_state(c, err) < 0)
    return -1;
  hk_state_refresh(c->state, c->dirfd);
  *out = steal_pointer(&c);
  return 0;
}

int hk_container_save(struct hk_container *c, const char *from, hk_error_t **err)
{
  _cleanup_free_ char *json = NULL;
  size_t len;

  if (hk_state_to_json(c->state, true, false, &json, &len, err) < 0)
    return -1;
  if (hk_write_file_over(c->dirfd, from, HK_STATE_FILE, json, len, 0600, err) < 0)
    return hk_error_wrap(err, "write state of \"%s\"", c->id);
  return 0;
}

int hk_container_destroy_dir(struct hk_container *c, hk_error_t **err)
{
  _cleanup_close_ int rootfd = open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hk_error_make(err, errno, "open state root `%s`", c->root);
  return hk_rmtree_at(rootfd, c->id, err);
}

void hk_container_free(struct hk_container *c)
{
  if (c == NULL)
    return;
  if (c->dirfd >= 0)
    close(c->dirfd);
  hk_state_free(c->state);
  free(c->root);
  free(c->id);
  free(c);
}

void hk_state_list_free(struct hk_state **l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    hk_state_free(l[i]);
  free(l);
}

static int cmp_state(const void *a, const void *b)
{
  return strcmp((*(struct hk_state *const *)a)->id, (*(struct hk_state *const *)b)->id);
}

struct orphans {
  const char *root;
  char **warned;
  size_t n;
};

static void warn_orphan(const char *id, const char *dir, void *ctx)
{
  struct orphans *o = ctx;
  _cleanup_free_ char *path = hk_xasprintf("%s/%s", o->root, id);

  if (access(path, F_OK) == 0 || errno != ENOENT)
    return;
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->warned[i], id) == 0)
      return; /* v1 only: met again in another hierarchy */
  o->warned = hk_xrealloc(o->warned, (o->n + 1) * sizeof(*o->warned));
  o->warned[o->n++] = hk_xstrdup(id);
  hk_warn("list: container \"%s\" has lost its state directory `%s`, but its cgroup `%s` is "
          "left; `husk delete --force %s` kills what runs there and removes it",
          id, path, dir, id);
}

/* Containers of this root whose state directory was removed are no
 * containers any more, but what they left is worth a warning. */
static void warn_orphans(const char *root)
{
  struct orphans o = {.root = root};

  hk_cgroup_each_marked(root, warn_orphan, &o);
  for (size_t i = 0; i < o.n; i++)
    free(o.warned[i]);
  free(o.warned);
}

int hk_container_list(const char *root, struct hk_state ***out, size_t *n, hk_error_t **err)
{
  struct hk_state **list = NULL;
  size_t len = 0;
  DIR *d = opendir(root);
  int open_errno = errno;
  struct dirent *de;

  *out = NULL;
  *n = 0;
  warn_orphans(root);
  if (d == NULL) {
    if (open_errno == ENOENT)
      return 0;
    return hk_error_make(err, open_errno, "open state root `%s`", root);
  }
  while ((de = readdir(d))) {
    struct hk_container *c = NULL;
    hk_error_t *e = NULL;
    if (de->d_name[0] == '.' || de->d_type != DT_DIR)
      continue;
    if (hk_container_load(root, de->d_name, HK_LOCK_SHARED, &c, &e) < 0) {
      /* Deleted meanwhile: nothing to say.  Broken (a create that crashed,
       * a damaged state.json): not a container, but worth a warning, as
       * it holds what delete --force must remove. */
      if (e->code == ENOENT && strstr(e->msg, "does not exist"))
        hk_debug("list: skipping `%s`: %s", de->d_name, e->msg);
      else if (hk_id_validate(de->d_name, NULL) == 0)
        hk_warn("list: skipping \"%s\": %s", de->d_name, e->msg);
      hk_error_free(e);
      continue;
    }
    list = hk_xrealloc(list, (len + 1) * sizeof(*list));
    list[len++] = steal_pointer(&c->state);
    hk_container_free(c);
  }
  closedir(d);
  if (len)
    qsort(list, len, sizeof(*list), cmp_state);
  *out = list;
  *n = len;
  return 0;
}
