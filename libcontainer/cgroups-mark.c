/* Marks on the cgroups husk creates; see cgroups-mark.h.
 *
 * The value of the mark, one "KEY VALUE" per line:
 *   root /run/husk                  the state root, canonical
 *   id web                          the container ID
 *   memory /sys/fs/cgroup/memory/web   each directory of the cgroup, keyed
 *   unified /sys/fs/cgroup/unified/web as in state.json's cgroupPaths
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroups-mark.h"
#include "log.h"
#include "utils.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define MARK_MAX    8192
#define WALK_DEPTH  16

/* The state root as an absolute path without symlinks.  It may be gone
 * (that is why we look for marks): then its deepest existing ancestor,
 * resolved, plus the rest. */
static char *canonical_root(const char *root)
{
  _cleanup_free_ char *abs = NULL, *parent = NULL;
  char *r = realpath(root, NULL), *slash;
  const char *base;

  if (r)
    return r;
  if (root[0] == '/') {
    abs = hk_xstrdup(root);
  } else {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
      return hk_xstrdup(root);
    abs = hk_xasprintf("%s/%s", cwd, root);
  }
  for (size_t n = strlen(abs); n > 1 && abs[n - 1] == '/'; n--)
    abs[n - 1] = '\0';
  slash = strrchr(abs, '/');
  base = slash + 1;
  if (slash == abs || *base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return steal_pointer(&abs);
  *slash = '\0';
  parent = canonical_root(abs);
  return hk_xasprintf("%s/%s", strcmp(parent, "/") == 0 ? "" : parent, base);
}

void hk_cgroup_mark(const struct hk_cgroup *cg, const char *root, const char *id)
{
  _cleanup_free_ char *croot = canonical_root(root), *buf = NULL;
  struct hk_kv_list kv = {0};
  size_t len = 0;
  FILE *f;

  /* A line per field: a root with a newline could not be read back. */
  if (strchr(croot, '\n')) {
    hk_debug("cgroup not marked: the state root `%s` has a newline", croot);
    return;
  }
  f = open_memstream(&buf, &len);
  if (f == NULL)
    return;
  fprintf(f, "root %s\nid %s\n", croot, id);
  hk_cgroup_to_kv(cg, &kv);
  for (size_t i = 0; i < kv.len; i++)
    fprintf(f, "%s %s\n", kv.items[i].key, kv.items[i].value);
  fclose(f);
  for (size_t i = 0; i < kv.len; i++) {
    const char *rel;
    int at = hk_cg_at(kv.items[i].value, &rel);
    _cleanup_close_ int fd = openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsetxattr(fd, HK_CGROUP_MARK_XATTR, buf, len, 0) < 0)
      hk_debug("cgroup `%s` not marked: %s", kv.items[i].value, strerror(errno));
    free(kv.items[i].key);
    free(kv.items[i].value);
  }
  free(kv.items);
}

int hk_cgroup_record(int dirfd, const struct hk_cgroup *cg, hk_error_t **err)
{
  struct hk_kv_list kv = {0};
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  if (f == NULL)
    return hk_error_make(err, errno, "open_memstream");
  hk_cgroup_to_kv(cg, &kv);
  for (size_t i = 0; i < kv.len; i++) {
    fprintf(f, "%s %s\n", kv.items[i].key, kv.items[i].value);
    free(kv.items[i].key);
    free(kv.items[i].value);
  }
  free(kv.items);
  fclose(f);
  return hk_write_file_atomic(dirfd, HK_CGROUP_RECORD, buf, len, 0600, err);
}

struct hk_cgroup *hk_cgroup_recorded(int dirfd, const char *root, const char *id)
{
  _cleanup_close_ int fd = openat(dirfd, HK_CGROUP_RECORD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_free_ char *buf = NULL;
  struct hk_cgroup *cg = NULL;
  struct hk_state *st = NULL;
  struct hk_kv item[HK_CG_COUNT + 1];
  struct hk_kv_list kv = {.items = item};
  hk_error_t *e = NULL;
  char *line, *save = NULL;
  size_t len;

  if (fd < 0 || hk_read_fd(fd, HK_CGROUP_RECORD, 1 << 16, &buf, &len, NULL) < 0) {
    /* nothing recorded */
  } else if (buf[0] == '{') {
    if (hk_state_parse(buf, len, HK_CGROUP_RECORD, &st, &e) == 0)
      hk_cgroup_from_kv(&st->cgroup_paths, &cg, &e);
    hk_state_free(st);
  } else {
    for (line = strtok_r(buf, "\n", &save); line && kv.len < HK_ARRAY_SIZE(item);
         line = strtok_r(NULL, "\n", &save)) {
      char *sp = strchr(line, ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      item[kv.len].key = line;
      item[kv.len++].value = sp + 1;
    }
    hk_cgroup_from_kv(&kv, &cg, &e);
  }
  hk_error_free(e);
  if (cg == NULL)
    hk_cgroup_find_marked(root, id, &cg);
  return cg;
}

static bool same_dir(const struct stat *a, const char *path)
{
  struct stat b;
  return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* What a search looks for: the container `id` of `root` (stopping at the
 * first), or with `id` NULL every container of `root`, each given to `fn`. */
struct search {
  const char *root, *id;
  void (*fn)(const char *id, const char *dir, void *ctx);
  void *ctx;
  struct hk_cgroup *found;
};

/* The mark on `dir`, if it names the root (and ID) searched for and lists
 * `dir` itself: 1 (with s->found for an ID search), 0 for a mark of
 * another container, -1 when `dir` has none. */
static int read_mark(const char *dir, struct search *s)
{
  char buf[MARK_MAX + 1], *line, *save = NULL;
  struct hk_kv item[HK_CG_COUNT + 1];
  struct hk_kv_list kv = {.items = item};
  const char *id = NULL;
  bool root_ok = false, self = false;
  ssize_t n = getxattr(dir, HK_CGROUP_MARK_XATTR, buf, MARK_MAX);
  struct stat st;

  if (n <= 0)
    return -1;
  buf[n] = '\0';
  if (stat(dir, &st) < 0)
    return 0;
  for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(line, ' ');
    if (sp == NULL)
      return 0;
    *sp++ = '\0';
    if (strcmp(line, "root") == 0) {
      root_ok = strcmp(sp, s->root) == 0;
    } else if (strcmp(line, "id") == 0) {
      id = sp;
    } else if (kv.len < HK_ARRAY_SIZE(item)) {
      self = self || same_dir(&st, sp);
      item[kv.len].key = line;
      item[kv.len++].value = sp;
    }
  }
  if (!root_ok || !self || id == NULL || (s->id && strcmp(id, s->id) != 0))
    return 0;
  if (s->id == NULL) {
    s->fn(id, dir, s->ctx);
    return 1;
  }
  return hk_cgroup_from_kv(&kv, &s->found, NULL) == 0 ? 1 : 0;
}

/* Depth first through a hierarchy, not below a marked cgroup: those hold
 * a container's own cgroups. */
static void walk(const char *dir, int depth, struct search *s)
{
  struct dirent *de;
  DIR *d;

  if (depth > WALK_DEPTH || (d = opendir(dir)) == NULL)
    return;
  while (s->found == NULL && (de = readdir(d))) {
    _cleanup_free_ char *sub = NULL;
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    sub = hk_xasprintf("%s/%s", dir, de->d_name);
    if (read_mark(sub, s) < 0)
      walk(sub, depth + 1, s);
  }
  closedir(d);
}

/* The cgroup2 hierarchy, all of it (a linux.cgroupsPath may be anywhere);
 * on a host without one, each v1 hierarchy in turn (husk makes the
 * container's cgroup in every one, so the first holds it already). */
static void search_all(struct search *s)
{
  enum hk_cgroup_layout layout;
  struct dirent *de;
  DIR *d;

  if (hk_cgroup_detect(&layout, NULL) < 0)
    return;
  if (layout != HK_CGROUP_LEGACY) {
    walk(layout == HK_CGROUP_UNIFIED ? CGROUP_ROOT : CGROUP_ROOT "/unified", 0, s);
    return;
  }
  d = opendir(CGROUP_ROOT);
  while (d && s->found == NULL && (de = readdir(d))) {
    _cleanup_free_ char *p = NULL;
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    p = hk_xasprintf(CGROUP_ROOT "/%s", de->d_name);
    walk(p, 0, s);
  }
  if (d)
    closedir(d);
}

int hk_cgroup_find_marked(const char *root, const char *id, struct hk_cgroup **out)
{
  _cleanup_free_ char *croot = canonical_root(root), *top = NULL;
  struct search s = {.root = croot, .id = id};
  struct dirent *de;
  DIR *d;

  /* Without linux.cgroupsPath: /<id> right at the top (pure v2), or at the
   * top of one of the hierarchies mounted below /sys/fs/cgroup. */
  top = hk_xasprintf(CGROUP_ROOT "/%s", id);
  read_mark(top, &s);
  d = s.found ? NULL : opendir(CGROUP_ROOT);
  while (d && s.found == NULL && (de = readdir(d))) {
    _cleanup_free_ char *p = NULL;
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    p = hk_xasprintf(CGROUP_ROOT "/%s/%s", de->d_name, id);
    read_mark(p, &s);
  }
  if (d)
    closedir(d);
  if (s.found == NULL)
    search_all(&s);
  *out = s.found;
  return s.found != NULL;
}

void hk_cgroup_each_marked(const char *root, void (*fn)(const char *id, const char *dir, void *ctx),
                           void *ctx)
{
  _cleanup_free_ char *croot = canonical_root(root);
  struct search s = {.root = croot, .fn = fn, .ctx = ctx};
  search_all(&s);
}

const char *hk_cgroup_some_dir(const struct hk_cgroup *cg)
{
  if (cg->v2)
    return cg->v2;
  for (int c = 0; c < HK_CG_COUNT; c++)
    if (cg->v1[c])
      return cg->v1[c];
  return "?";
}
